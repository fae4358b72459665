/**
 * The agent gateway: authenticates WebSocket upgrades on /agent, keeps one connection per
 * agent, finds dead links with ws-level pings, and closes everything in order on stop().
 */

import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { createSampleWriter } from "@flotilla/db";
import { CloseCode, MAX_FRAME_BYTES } from "@flotilla/protocol";
import { WebSocketServer } from "ws";
import type { CommandDispatcher } from "../commands/dispatcher.js";
import { createPgListener } from "../commands/pg-listener.js";
import { createHostSeenBatcher } from "../metrics/host-seen-batcher.js";
import { type IngestRecorder, noIngestRecorder } from "../metrics/ingest-stats.js";
import type { Services } from "../services.js";
import { type AgentIdentity, createAgentAuthenticator } from "./agent-auth.js";
import { AgentConnection, HANDSHAKE_TIMEOUT_MS } from "./agent-connection.js";
import { createHelloRegistry } from "./agent-session.js";
import { AgentSocket } from "./agent-socket.js";

const HEARTBEAT_MS = 30_000;
/** One sweep for every connection still waiting for hello, instead of a timer per connection. */
const HANDSHAKE_SWEEP_MS = 1_000;
/** "<nodeId> <agentId> <ms>": an agent was welcomed on some node at that time. */
export const AGENT_ONLINE_CHANNEL = "flotilla_agent_online";
/** How long a replaced connection may take to finish its queued writes before the new one is welcomed. */
const REPLACE_DRAIN_MS = 10_000;

export interface AgentGateway {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes an agent's live connection (its credential was revoked or replaced). */
  disconnectAgent(agentId: string, code: number, reason: string): void;
  /** The agents connected to this node. */
  connectedAgentIds(): string[];
  connectionCount(): number;
  /** Starts the sweeps and listens for agents welcomed on other nodes. */
  start(): Promise<void>;
  /** Stops accepting, closes every agent with `code` (1001 by default). */
  closeAll(code?: number, reason?: string): void;
  /** Resolves when every connection's queued frames have been handled (or timeoutMs passed). */
  flush(timeoutMs: number): Promise<void>;
}

/** One shared listener (not a closure per connection). */
function ignoreSocketError() {}

function rejectUpgrade(socket: Duplex, status: number, statusText: string, code: string, message: string) {
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}

export function createAgentGateway(
  deps: Pick<Services, "prisma" | "pool" | "live" | "log"> & {
    databaseUrl: string;
    commands: Pick<CommandDispatcher, "agentReady" | "agentGone" | "progress" | "result">;
    /** Told about every metrics batch written, for /metrics. */
    ingest?: IngestRecorder;
  },
): AgentGateway {
  const log = deps.log.child({ component: "gateway" });
  // No compression: agents' frames are small JSON, and a deflate context costs ~300 KB per link.
  // clientTracking off: `connections` below tracks them. autoPong off: AgentSocket answers pings
  // without ws's per-socket closure.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    clientTracking: false,
    perMessageDeflate: false,
    autoPong: false,
    WebSocket: AgentSocket,
  });
  const authenticate = createAgentAuthenticator(deps.pool);
  const nodeId = randomUUID();
  const registerHello = createHelloRegistry(deps, { announce: { channel: AGENT_ONLINE_CHANNEL, nodeId } });
  // An agent whose link died without this node noticing (no FIN: a crash, a cut cable) may
  // already be back on another node. Its stale connection here must go, or this node would go
  // on claiming its commands and sending them into the void until the heartbeat notices.
  const elsewhere = createPgListener({
    databaseUrl: deps.databaseUrl,
    channel: AGENT_ONLINE_CHANNEL,
    log,
    onConnected: () => {},
    onNotification(payload) {
      const [from, agentId, at] = payload.split(" ");
      if (!agentId || from === nodeId) return;
      const current = byAgent.get(agentId);
      if (current && current.welcomedAt > 0 && current.welcomedAt < Number(at))
        current.close(CloseCode.replaced, "the agent connected to another server node");
    },
  });
  /** Connections that have not said hello yet: the only ones the handshake sweep looks at. */
  const handshaking = new Set<AgentConnection>();
  const connections = new Set<AgentConnection>();
  const byAgent = new Map<string, AgentConnection>();
  let accepting = true;
  let heartbeat: NodeJS.Timeout | null = null;
  // Shared by every connection: batches from many agents commit together (group commit).
  const writer = createSampleWriter(deps.pool);
  const seen = createHostSeenBatcher(deps);
  let handshakeSweep: NodeJS.Timeout | null = null;

  const connectionDeps = {
    prisma: deps.prisma,
    pool: deps.pool,
    live: deps.live,
    log: deps.log,
    commands: deps.commands,
    ingest: deps.ingest ?? noIngestRecorder,
    writer,
    seen,
    registerHello,
    async claim(connection: AgentConnection) {
      const previous = byAgent.get(connection.agentId);
      byAgent.set(connection.agentId, connection);
      if (previous && previous !== connection) {
        previous.close(CloseCode.replaced, "replaced by a newer connection of the same agent");
        await withTimeout(previous.drained(), REPLACE_DRAIN_MS);
      }
    },
    release(connection: AgentConnection) {
      handshaking.delete(connection);
      // Keep it in `connections` until its queued frames are handled, so flush() waits for them.
      void connection.drained().then(() => connections.delete(connection));
      if (byAgent.get(connection.agentId) === connection) byAgent.delete(connection.agentId);
    },
  };

  function accept(req: IncomingMessage, socket: Duplex, head: Buffer, identity: AgentIdentity) {
    wss.handleUpgrade(req, socket, head, (ws) => {
      // ws listens for socket errors itself from here on.
      socket.off("error", ignoreSocketError);
      if (!accepting) {
        ws.close(CloseCode.goingAway, "server shutting down");
        return;
      }
      const connection = new AgentConnection(ws as AgentSocket, identity, connectionDeps);
      connections.add(connection);
      handshaking.add(connection);
    });
  }

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    if (!accepting) return rejectUpgrade(socket, 503, "Service Unavailable", "unavailable", "server shutting down");
    let identity: AgentIdentity | null;
    try {
      identity = await authenticate(req.headers.authorization);
    } catch (err) {
      log.error({ err }, "agent authentication failed");
      return rejectUpgrade(socket, 503, "Service Unavailable", "unavailable", "try again later");
    }
    if (!identity) {
      log.warn({ ip: req.socket.remoteAddress }, "agent connection refused: unknown or revoked credential");
      return rejectUpgrade(socket, 401, "Unauthorized", "unauthorized", "unknown or revoked agent credential");
    }
    if (socket.destroyed || !accepting) return socket.destroy();
    accept(req, socket, head, identity);
  }

  return {
    handleUpgrade(req, socket, head) {
      // A socket error during the (async) authentication must not become an unhandled 'error'.
      // Only when nobody listens yet (the app server does): every extra listener here grows the
      // socket's listener array for as long as the connection lives.
      if (socket.listenerCount("error") === 0) socket.on("error", ignoreSocketError);
      upgrade(req, socket, head).catch((err: unknown) => {
        log.error({ err }, "agent upgrade failed");
        socket.destroy();
      });
    },
    disconnectAgent(agentId, code, reason) {
      byAgent.get(agentId)?.close(code, reason);
    },
    connectedAgentIds: () => [...byAgent.keys()],
    connectionCount: () => connections.size,
    async start() {
      seen.start();
      await elsewhere.start();
      heartbeat = setInterval(() => {
        for (const c of connections) {
          if (!c.alive) {
            c.log.warn("no pong from agent: terminating the connection");
            c.terminate();
          } else c.ping();
        }
      }, HEARTBEAT_MS);
      heartbeat.unref();
      handshakeSweep = setInterval(() => {
        const cutoff = Date.now() - HANDSHAKE_TIMEOUT_MS;
        for (const c of handshaking) {
          if (!c.awaitingHello) handshaking.delete(c);
          else if (c.openedAt <= cutoff) {
            handshaking.delete(c);
            c.close(CloseCode.handshake, `no hello within ${HANDSHAKE_TIMEOUT_MS / 1000} s`);
          }
        }
      }, HANDSHAKE_SWEEP_MS);
      handshakeSweep.unref();
    },
    closeAll(code = CloseCode.goingAway, reason = "server shutting down") {
      accepting = false;
      if (heartbeat) clearInterval(heartbeat);
      if (handshakeSweep) clearInterval(handshakeSweep);
      heartbeat = null;
      handshakeSweep = null;
      handshaking.clear();
      for (const c of connections) c.close(code, reason);
    },
    async flush(timeoutMs) {
      await withTimeout(Promise.all([...connections].map((c) => c.drained())), timeoutMs);
      await seen.stop();
      await elsewhere.stop();
      wss.close();
    },
  };
}
