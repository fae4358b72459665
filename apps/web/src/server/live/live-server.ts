/**
 * Socket.IO for browsers: a connection is accepted only with a valid session cookie and joins
 * its organisation's room; `subscribe` adds a host's room after checking the host is the
 * caller's. The engine is driven explicitly by the app server's one request/upgrade router.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { createAdapter } from "@socket.io/postgres-adapter";
import { Server as Engine } from "engine.io";
import pg from "pg";
import { Server, type Socket } from "socket.io";
import { z } from "zod";
import type { ClientToServerEvents, ServerToClientEvents } from "../../shared/live-events.js";
import { teamScopedWhere, teamsWith } from "../access/scope.js";
import { readCookie, SESSION_COOKIE } from "../auth/cookies.js";
import { originProblem } from "../auth/csrf.js";
import { findSession, type SessionInfo } from "../auth/sessions.js";
import type { Services } from "../services.js";
import { hostRoom, type LivePublisher, orgRoom } from "./publisher.js";
import { createDeploymentTeamLookup, createHostTeamLookup, teamRoom } from "./team-rooms.js";

export const LIVE_PATH = "/socket.io/";

/** socket.io-adapter's message type for a room broadcast (MessageType.BROADCAST). */
const BROADCAST_MESSAGE = 3;

type AdapterFactory = ReturnType<typeof createAdapter>;
interface ClusterInternals {
  /** Other nodes heard from recently (heartbeats every 5 s, forgotten after 10 s of silence). */
  nodesMap: Map<string, number>;
  doPublish(message: { type: number }): Promise<string>;
}

/**
 * The adapter sends every broadcast through NOTIFY, and only then delivers it locally. A node
 * that has heard no other node (a single-node install, or the first node) has no one to reach:
 * it skips the round trip, so live updates cost PostgreSQL nothing there. Other nodes announce
 * themselves on start and every 5 s, so a second node is seen within one heartbeat.
 */
function aloneSkipsBroadcasts(factory: AdapterFactory): AdapterFactory {
  // A plain function, not an arrow: Socket.IO calls it with `new`, and the object it returns wins.
  return function skippingAdapter(nsp) {
    const adapter = factory(nsp);
    const cluster = adapter as unknown as ClusterInternals;
    const publish = cluster.doPublish.bind(adapter);
    cluster.doPublish = (message) =>
      message.type === BROADCAST_MESSAGE && cluster.nodesMap.size === 0 ? Promise.resolve("") : publish(message);
    // Alone and with no local browser in any target room, a broadcast reaches no one: skip it
    // before the adapter encodes the packet (per agent batch, that encoding was ~10% of ingest CPU).
    const broadcast = adapter.broadcast.bind(adapter);
    adapter.broadcast = (packet, opts) => {
      if (cluster.nodesMap.size === 0 && !reachesLocalSocket(adapter, opts.rooms)) return SKIPPED;
      return broadcast(packet, opts);
    };
    return adapter;
  } as AdapterFactory;
}

const SKIPPED: Promise<void> = Promise.resolve();

/** Whether any socket of this node is in one of the rooms (all sockets when no room is named). */
function reachesLocalSocket(
  adapter: { rooms: Map<string, Set<string>>; sids: Map<string, unknown> },
  rooms: Set<string>,
) {
  if (rooms.size === 0) return adapter.sids.size > 0;
  for (const room of rooms) if ((adapter.rooms.get(room)?.size ?? 0) > 0) return true;
  return false;
}

interface SocketData {
  session: SessionInfo;
  token: string;
}

type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

const roomSchema = z.object({ kind: z.literal("host"), id: z.string().min(1).max(200) });

export interface LiveServer {
  publisher: LivePublisher;
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  connectionCount(): number;
  close(): Promise<void>;
}

export function createLiveServer(deps: Pick<Services, "prisma" | "log" | "config">): LiveServer {
  const log = deps.log.child({ component: "live" });
  const trustedOrigins = deps.config.publicUrl ? [deps.config.publicUrl] : [];
  const limits = { ttlMs: deps.config.sessionTtlMs, idleMs: deps.config.sessionIdleMs };
  const engine = new Engine({
    pingInterval: 25_000,
    pingTimeout: 20_000,
    maxHttpBufferSize: 64 * 1024,
    cookie: false,
    allowRequest(req, done) {
      const problem = originProblem({ origin: req.headers.origin, host: req.headers.host, trustedOrigins });
      done(problem, problem === null);
    },
  });
  // Browsers on one node must see what happens on every node: rooms are broadcast through
  // PostgreSQL (NOTIFY, and a table for payloads over NOTIFY's 8 KB).
  const adapterPool = new pg.Pool({ connectionString: deps.config.databaseUrl, max: 3 });
  adapterPool.on("error", (err) => log.warn({ err: err.message }, "live adapter: idle PostgreSQL connection failed"));
  const adapterDb = {
    query: adapterPool.query.bind(adapterPool),
    // The adapter takes one connection for LISTEN and keeps it (it reconnects on 'end'). A pool
    // would lose a slot for good each time that connection dies, and a checked-out pool client
    // has no 'error' listener, so a database restart would crash the process: use a plain client.
    async connect() {
      const client = new pg.Client({ connectionString: deps.config.databaseUrl, keepAlive: true });
      client.on("error", (err) => log.warn({ err: err.message }, "live adapter: PostgreSQL connection lost"));
      try {
        await client.connect();
      } catch (err) {
        void client.end().catch(() => {});
        throw err;
      }
      return Object.assign(client, { release: () => void client.end().catch(() => {}) });
    },
  } as unknown as pg.Pool;
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>({
    serveClient: false,
    adapter: aloneSkipsBroadcasts(
      createAdapter(adapterDb, {
        errorHandler: (err) => log.warn({ err: err.message }, "live adapter error"),
      }),
    ),
  });
  io.bind(engine);

  io.use((socket, next) => {
    const token = readCookie(socket.handshake.headers.cookie, SESSION_COOKIE);
    findSession(deps.prisma, token, limits).then(
      (session) => {
        if (!session || !token) return next(new Error("unauthorized"));
        socket.data.session = session;
        socket.data.token = token;
        next();
      },
      (err: unknown) => {
        log.error({ err }, "live session lookup failed");
        next(new Error("unavailable"));
      },
    );
  });

  io.on("connection", (socket: LiveSocket) => {
    const { session } = socket.data;
    // The organisation room carries every update: only for those who may read every team.
    // Others join their teams' rooms, which carry the updates of those teams' hosts.
    const readable = teamsWith(session, "fleet.read");
    if (readable === "all") void socket.join(orgRoom(session.orgId));
    else for (const teamId of readable) void socket.join(teamRoom(teamId));
    socket.on("subscribe", (room, ack) => {
      const reply = typeof ack === "function" ? ack : () => {};
      subscribe(socket, room).then(reply, (err: unknown) => {
        log.error({ err }, "live subscribe failed");
        reply({ ok: false, error: "internal" });
      });
    });
    socket.on("unsubscribe", (room) => {
      const parsed = roomSchema.safeParse(room);
      if (parsed.success) void socket.leave(hostRoom(parsed.data.id));
    });
  });

  async function subscribe(socket: LiveSocket, room: unknown): Promise<{ ok: boolean; error?: string }> {
    const parsed = roomSchema.safeParse(room);
    if (!parsed.success) return { ok: false, error: "invalid" };
    // Re-check the session: it may have been signed out or expired since the socket connected.
    const session = await findSession(deps.prisma, socket.data.token, limits);
    if (!session) {
      socket.disconnect(true);
      return { ok: false, error: "unauthorized" };
    }
    const host = await deps.prisma.host.findFirst({
      where: { id: parsed.data.id, ...teamScopedWhere(session, "fleet.read") },
      select: { id: true },
    });
    if (!host) return { ok: false, error: "not_found" };
    await socket.join(hostRoom(host.id));
    return { ok: true };
  }

  const teamOfHost = createHostTeamLookup(deps.prisma);
  const teamOfDeployment = createDeploymentTeamLookup(deps.prisma);
  /**
   * Emits an update to the org-wide readers at once, and to a team's room once the object's
   * team is known (null: no single team may see it, e.g. a migration between two teams' hosts).
   */
  function toReaders(orgId: string, team: () => Promise<string | null>, emit: (rooms: string[]) => void) {
    emit([orgRoom(orgId)]);
    team().then(
      (teamId) => {
        if (teamId) emit([teamRoom(teamId)]);
      },
      (err: unknown) => log.warn({ err }, "live: team lookup failed"),
    );
  }
  const toHostReaders = (orgId: string, hostId: string, emit: (rooms: string[]) => void) =>
    toReaders(orgId, () => teamOfHost(hostId), emit);
  async function teamOfMigration(sourceHostId: string, targetHostId: string): Promise<string | null> {
    const [from, to] = await Promise.all([teamOfHost(sourceHostId), teamOfHost(targetHostId)]);
    return from === to ? from : null;
  }

  const publisher: LivePublisher = {
    hostMetrics: (orgId, event) =>
      toHostReaders(orgId, event.hostId, (rooms) => io.to(rooms).emit("host:metrics", event)),
    hostStatus: (orgId, event) =>
      toHostReaders(orgId, event.hostId, (rooms) => io.to(rooms).emit("host:status", event)),
    hostInventory: (orgId, event) =>
      toHostReaders(orgId, event.hostId, (rooms) => io.to(rooms).emit("host:inventory", event)),
    workloadMetrics: (event) => io.to(hostRoom(event.hostId)).emit("workload:metrics", event),
    commandUpdate: (orgId, event) =>
      toHostReaders(orgId, event.hostId, (rooms) => io.to(rooms).emit("command:update", event)),
    // Output can be heavy (a followed log): only browsers watching that host get it.
    commandOutput: (event) => io.to(hostRoom(event.hostId)).emit("command:output", event),
    deploymentUpdate: (orgId, event) =>
      toReaders(
        orgId,
        () => teamOfDeployment(event.id),
        (rooms) => io.to(rooms).emit("deployment:update", event),
      ),
    migrationUpdate: (orgId, event) =>
      toReaders(
        orgId,
        () => teamOfMigration(event.sourceHostId, event.targetHostId),
        (rooms) => io.to(rooms).emit("migration:update", event),
      ),
    evacuationUpdate: (orgId, event) =>
      toHostReaders(orgId, event.hostId, (rooms) => io.to(rooms).emit("evacuation:update", event)),
    planUpdate: (orgId, event) => io.to(orgRoom(orgId)).emit("plan:update", event),
    alertsChanged: (orgId, teamId, event) =>
      toReaders(
        orgId,
        async () => teamId,
        (rooms) => io.to(rooms).emit("alerts:changed", event),
      ),
  };

  return {
    publisher,
    handleRequest: (req, res) => engine.handleRequest(req, res),
    handleUpgrade: (req, socket, head) => engine.handleUpgrade(req, socket, head),
    connectionCount: () => engine.clientsCount,
    async close() {
      await io.close();
      await adapterPool.end().catch(() => {});
    },
  };
}
