/**
 * Load generator: N simulated agents speaking the real protocol (hello, metrics, acks,
 * command results) over real WebSockets to a real server. Cheap enough for 10,000 per process:
 * no per-agent timers while connected (one ticker sends every agent's metrics in turn), and
 * no compression. Reconnects like the real agent: exponential backoff with full jitter.
 *
 * As a library: seedLoadAgents() puts hosts and agent credentials straight into the database
 * (enrolling 10,000 agents over HTTP would measure enrolment, not connections), then
 * startLoadFleet() connects them.
 *
 * As a command (prints progress every 5 s until Ctrl-C):
 *   tsx test/load/agents.ts --server http://127.0.0.1:3000 --database-url postgres://... \
 *       --count 10000 [--interval-ms 60000] [--org-id ID --team-id ID]
 */
import { randomBytes, randomUUID } from "node:crypto";
import {
  AGENT_GATEWAY_PATH,
  type AgentFrame,
  PROTOCOL_VERSION,
  type Sample,
  serverFrameSchema,
} from "@flotilla/protocol";
import pg from "pg";
import WebSocket from "ws";
import { hashToken } from "../../apps/web/src/server/auth/tokens.js";

export interface LoadCredential {
  agentId: string;
  hostId: string;
  secret: string;
}

/** Inserts `count` hosts with one agent each (secrets hashed as enrolment stores them). */
export async function seedLoadAgents(
  pool: pg.Pool,
  opts: { orgId: string; teamId: string; count: number; intervalMs?: number; namePrefix?: string },
): Promise<LoadCredential[]> {
  const creds: LoadCredential[] = Array.from({ length: opts.count }, () => ({
    agentId: randomUUID(),
    hostId: randomUUID(),
    secret: randomBytes(32).toString("base64url"),
  }));
  const prefix = opts.namePrefix ?? `load-${Date.now().toString(36)}`;
  for (let i = 0; i < creds.length; i += 5_000) {
    const chunk = creds.slice(i, i + 5_000);
    const names = chunk.map((_, j) => `${prefix}-${String(i + j).padStart(5, "0")}`);
    await pool.query(
      `INSERT INTO hosts (id, org_id, team_id, machine_id, name, interval_ms, simulated, cpu_cores, memory_bytes)
       SELECT id, $2, $3, name, name, $4, true, 4, 8589934592 FROM unnest($1::text[], $5::text[]) AS t(id, name)`,
      [chunk.map((c) => c.hostId), opts.orgId, opts.teamId, opts.intervalMs ?? 60_000, names],
    );
    await pool.query(
      `INSERT INTO agents (id, host_id, secret_hash, version)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])`,
      [
        chunk.map((c) => c.agentId),
        chunk.map((c) => c.hostId),
        chunk.map((c) => hashToken(c.secret)),
        chunk.map(() => "load-0.1.0"),
      ],
    );
  }
  return creds;
}

export interface FleetOptions {
  /** Metrics every this often per agent; 0 sends none (connections only). */
  intervalMs: number;
  /** Agents connecting at once during the first ramp (after that, backoff spreads reconnects). */
  rampConcurrency?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
}

export interface FleetStats {
  agents: number;
  /** Connections that got `welcome` and are still open. */
  welcomed: number;
  /** Sockets open (welcomed or not). */
  open: number;
  hellos: number;
  welcomes: number;
  batchesSent: number;
  acks: number;
  closes: Record<string, number>;
  connectErrors: number;
  commandsAnswered: number;
  /** Upgrade responses other than 101, by status. */
  refused: Record<string, number>;
}

export interface LoadFleet {
  stats(): FleetStats;
  /** Resolves when `n` agents are welcomed at the same time (rejects after timeoutMs). */
  waitForWelcomed(n: number, timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

class LoadAgent {
  ws: WebSocket | null = null;
  welcomed = false;
  seq = 0;
  attempt = 0;
  readonly bootId = randomUUID();
  reconnectTimer: NodeJS.Timeout | null = null;

  constructor(readonly cred: LoadCredential) {}
}

function hostSample(ts: number): Sample {
  return {
    ts,
    target: { kind: "host" },
    cpuCores: Math.random() * 4,
    cpuRatio: Math.random(),
    memUsedBytes: 2_000_000_000 + Math.floor(Math.random() * 1e9),
    memTotalBytes: 8_589_934_592,
    netRxBps: Math.random() * 1e6,
    netTxBps: Math.random() * 1e6,
    diskReadBps: Math.random() * 1e6,
    diskWriteBps: Math.random() * 1e6,
    load1: Math.random() * 4,
  };
}

export function startLoadFleet(serverUrl: string, creds: LoadCredential[], options: FleetOptions): LoadFleet {
  const wsUrl = `${serverUrl.replace(/^http/, "ws")}${AGENT_GATEWAY_PATH}`;
  const agents = creds.map((c) => new LoadAgent(c));
  const baseMs = options.backoffBaseMs ?? 500;
  const capMs = options.backoffCapMs ?? 30_000;
  const stats: FleetStats = {
    agents: agents.length,
    welcomed: 0,
    open: 0,
    hellos: 0,
    welcomes: 0,
    batchesSent: 0,
    acks: 0,
    closes: {},
    connectErrors: 0,
    commandsAnswered: 0,
    refused: {},
  };
  let stopped = false;
  const waiters: Array<{ n: number; resolve(v: number): void }> = [];

  function send(agent: LoadAgent, frame: AgentFrame) {
    if (agent.ws?.readyState === WebSocket.OPEN) agent.ws.send(JSON.stringify(frame));
  }

  function connect(agent: LoadAgent): Promise<void> {
    return new Promise((settled) => {
      const { cred } = agent;
      const ws = new WebSocket(wsUrl, {
        headers: { authorization: `Bearer ${cred.agentId}.${cred.secret}` },
        perMessageDeflate: false,
        handshakeTimeout: 30_000,
      });
      agent.ws = ws;
      let opened = false;
      ws.on("unexpected-response", (_req, res) => {
        const key = String(res.statusCode);
        stats.refused[key] = (stats.refused[key] ?? 0) + 1;
        res.resume();
      });
      ws.on("open", () => {
        opened = true;
        stats.open += 1;
        stats.hellos += 1;
        send(agent, {
          type: "hello",
          protocol: PROTOCOL_VERSION,
          agentId: cred.agentId,
          agentVersion: "load-0.1.0",
          bootId: agent.bootId,
          capabilities: [],
          drivers: ["sim"],
          intervalMs: Math.max(1000, options.intervalMs || 60_000),
        });
        settled();
      });
      ws.on("message", (data) => onFrame(agent, data.toString()));
      ws.on("error", () => {
        if (!opened) stats.connectErrors += 1;
      });
      ws.on("close", (code) => {
        const key = String(code);
        stats.closes[key] = (stats.closes[key] ?? 0) + 1;
        if (opened) stats.open -= 1;
        if (agent.welcomed) stats.welcomed -= 1;
        agent.welcomed = false;
        agent.ws = null;
        settled();
        scheduleReconnect(agent);
      });
    });
  }

  function onFrame(agent: LoadAgent, raw: string) {
    const parsed = serverFrameSchema.safeParse(JSON.parse(raw));
    if (!parsed.success) return;
    const frame = parsed.data;
    switch (frame.type) {
      case "welcome":
        agent.seq = Math.max(agent.seq, frame.lastSeq);
        agent.attempt = 0;
        if (!agent.welcomed) stats.welcomed += 1;
        agent.welcomed = true;
        stats.welcomes += 1;
        for (const w of waiters.splice(0)) {
          if (stats.welcomed >= w.n) w.resolve(stats.welcomed);
          else waiters.push(w);
        }
        return;
      case "ack":
        stats.acks += 1;
        return;
      case "command":
        // A load agent runs nothing: it answers at once, so commands to it end in a clear state.
        stats.commandsAnswered += 1;
        send(agent, {
          type: "command_result",
          commandId: frame.id,
          ts: Date.now(),
          ok: false,
          error: { code: "unknown_command", message: "load-test agent runs no commands" },
        });
        return;
      default:
        return;
    }
  }

  function scheduleReconnect(agent: LoadAgent) {
    if (stopped || agent.reconnectTimer) return;
    const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(agent.attempt, 30));
    agent.attempt += 1;
    agent.reconnectTimer = setTimeout(
      () => {
        agent.reconnectTimer = null;
        if (!stopped) void connect(agent);
      },
      Math.floor(Math.random() * ceiling),
    );
  }

  // One ticker for the whole fleet: every TICK_MS, the agents whose turn it is send a batch.
  const TICK_MS = 100;
  let cursor = 0;
  const ticker =
    options.intervalMs > 0
      ? setInterval(() => {
          const perTick = Math.max(1, Math.round((agents.length * TICK_MS) / options.intervalMs));
          const now = Date.now();
          for (let i = 0; i < perTick && agents.length > 0; i++) {
            const agent = agents[cursor % agents.length] as LoadAgent;
            cursor += 1;
            if (!agent.welcomed) continue;
            agent.seq += 1;
            stats.batchesSent += 1;
            send(agent, { type: "metrics", seq: agent.seq, samples: [hostSample(now)] });
          }
        }, TICK_MS)
      : null;

  // The first ramp: a bounded number of handshakes in flight, as a fleet that starts over time would.
  void (async () => {
    const concurrency = options.rampConcurrency ?? 200;
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, agents.length) }, async () => {
        while (!stopped && next < agents.length) await connect(agents[next++] as LoadAgent);
      }),
    );
  })();

  return {
    stats: () => ({ ...stats, closes: { ...stats.closes }, refused: { ...stats.refused } }),
    waitForWelcomed(n, timeoutMs) {
      if (stats.welcomed >= n) return Promise.resolve(stats.welcomed);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${stats.welcomed} of ${n} agents welcomed after ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          n,
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v);
          },
        });
      });
    },
    async stop() {
      stopped = true;
      if (ticker) clearInterval(ticker);
      const closing: Promise<unknown>[] = [];
      for (const a of agents) {
        if (a.reconnectTimer) clearTimeout(a.reconnectTimer);
        const ws = a.ws;
        if (ws && ws.readyState !== WebSocket.CLOSED) {
          closing.push(new Promise((done) => ws.once("close", done)));
          ws.terminate();
        }
      }
      await Promise.all(closing);
    },
  };
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(args: string[]) {
  const server = argValue(args, "--server");
  const databaseUrl = argValue(args, "--database-url");
  const count = Number(argValue(args, "--count") ?? "1000");
  const intervalMs = Number(argValue(args, "--interval-ms") ?? "60000");
  if (!server || !databaseUrl || !Number.isInteger(count) || count < 1 || !Number.isInteger(intervalMs)) {
    console.error(
      "usage: tsx test/load/agents.ts --server URL --database-url URL --count N [--interval-ms MS] [--org-id ID --team-id ID]",
    );
    process.exit(2);
  }
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  let orgId = argValue(args, "--org-id");
  let teamId = argValue(args, "--team-id");
  if (!orgId || !teamId) {
    const { rows } = await pool.query<{ org_id: string; id: string }>(
      "SELECT org_id, id FROM teams ORDER BY created_at LIMIT 1",
    );
    if (!rows[0]) throw new Error("no team in the database: pass --org-id and --team-id, or seed one");
    orgId = rows[0].org_id;
    teamId = rows[0].id;
  }
  const creds = await seedLoadAgents(pool, { orgId, teamId, count, intervalMs: Math.max(1000, intervalMs) });
  await pool.end();
  const fleet = startLoadFleet(server, creds, { intervalMs });
  const report = setInterval(() => console.log(JSON.stringify(fleet.stats())), 5_000);
  process.once("SIGINT", () => {
    clearInterval(report);
    void fleet.stop().then(() => process.exit(0));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
