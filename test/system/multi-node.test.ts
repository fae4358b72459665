// Three stateless server nodes behind nginx on one PostgreSQL, with real bundled agents (sim
// driver). Browser updates cross nodes through the Socket.IO Postgres adapter; a command reaches
// whichever node holds its agent; when a node is SIGKILLed its agents come back through nginx
// on the others within 30 s, and commands requested just before the kill run exactly once.
// Background jobs run once: each minute's rollup job is sent and run once across the nodes.
import { writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { AGENT_GATEWAY_PATH, CloseCode, PROTOCOL_VERSION, type ServerFrame } from "@flotilla/protocol";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { CommandView } from "../../apps/web/src/server/commands/command-view.js";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import { RETENTION_JOB, ROLLUP_1H_JOB, ROLLUP_1M_JOB } from "../../apps/web/src/server/metrics/storage-jobs.js";
import { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import type {
  ClientToServerEvents,
  CommandUpdateEvent,
  HostMetricsEvent,
  ServerToClientEvents,
} from "../../apps/web/src/shared/live-events.js";
import { type LoadCredential, seedLoadAgents } from "../load/agents.js";
import {
  bossSchedules,
  countBy,
  describeBossJobs,
  diedHolding,
  SEND_IT_QUEUE,
  settledBossJobs,
} from "../support/boss-jobs.js";
import { type Nginx, startNginx } from "../support/nginx.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { AGENT_BIN, newStateDir, type Proc, startProcess, startServer } from "../support/processes.js";
import { waitFor } from "../support/wait-for.js";

type Browser = Socket<ServerToClientEvents, ClientToServerEvents>;

interface Node {
  port: number;
  url: string;
  proc: Proc;
}

let db: SeededDatabase;
const nodes: Node[] = [];
let lb: Nginx;
const agents: Proc[] = [];
/** When the second test SIGKILLed a node: jobs it was running then stay active until they expire. */
let nodeKilledAt: Date | null = null;

async function tokenFile(count: number): Promise<string> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const { token } = await createEnrollmentToken(db.prisma, {
      orgId: db.demo.orgId,
      teamId: db.demo.teamId,
      ttlMs: 120_000,
    });
    tokens.push(token);
  }
  const file = join(newStateDir(), "tokens.json");
  writeFileSync(file, JSON.stringify(tokens));
  return file;
}

let fleets = 0;

/** `flotilla-agent sim --count N`: N hosts, each its own connection (own seed: own machine ids). */
async function startSimFleet(serverUrl: string, count: number, namePrefix: string) {
  fleets += 1;
  const stateDir = newStateDir();
  const proc = startProcess(
    [
      AGENT_BIN,
      ...["sim", "--server", serverUrl, "--count", String(count), "--state-dir", stateDir],
      ...["--token-file", await tokenFile(count), "--interval-ms", "1000", "--name-prefix", namePrefix],
      ...["--seed", String(1000 + fleets)],
    ],
    { FLOTILLA_LOG_LEVEL: "info" },
  );
  agents.push(proc);
  const hostIds: string[] = [];
  await waitFor(
    async () => {
      hostIds.length = 0;
      for (let i = 1; i <= count; i++) {
        const file = join(stateDir, `host-${String(i).padStart(3, "0")}`, "credentials.json");
        const creds = await readFile(file, "utf8").catch(() => null);
        if (creds) hostIds.push((JSON.parse(creds) as { hostId: string }).hostId);
      }
      if (hostIds.length < count) return false;
      const online = await db.prisma.host.count({ where: { id: { in: hostIds }, status: "online" } });
      return online === count;
    },
    60_000,
    () => proc.output(),
  );
  return { proc, hostIds: [...hostIds] };
}

async function agentsOn(node: Node): Promise<number> {
  const res = await fetch(`${node.url}/healthz`).catch(() => null);
  if (!res?.ok) return -1;
  return ((await res.json()) as { agents: number }).agents;
}

async function signedIn(baseUrl: string): Promise<TrpcSession> {
  const session = new TrpcSession(baseUrl);
  const res = await session.mutate("auth.signIn", { email: db.email, password: db.password });
  expect(res.status, JSON.stringify(res.error)).toBe(200);
  return session;
}

async function browserOn(node: Node, session: TrpcSession): Promise<Browser> {
  const browser: Browser = io(node.url, {
    transports: ["websocket"],
    extraHeaders: { cookie: session.cookie ?? "" },
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    browser.once("connect", () => resolve());
    browser.once("connect_error", reject);
  });
  return browser;
}

beforeAll(async () => {
  db = await startSeededDatabase();
  const ports = [await freePort(), await freePort(), await freePort()];
  // allSettled: nodes that did start are stopped by afterAll even when another failed to.
  // Every node checks the cron schedules every second (30 s in production), so many checks from
  // several nodes compete for each minute's job, also while one node dies.
  const env = { FLOTILLA_CRON_CHECK_SECONDS: "1" };
  const started = await Promise.allSettled(ports.map((p) => startServer(db.url, p, { ui: false, env })));
  started.forEach((r, i) => {
    if (r.status === "fulfilled")
      nodes.push({ port: ports[i] as number, url: `http://127.0.0.1:${ports[i]}`, proc: r.value });
  });
  const failed = started.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  lb = await startNginx(await freePort(), ports);
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await lb?.stop();
  await Promise.all(nodes.map((n) => n.proc.stop()));
  await db?.stop();
});

describe("three server nodes behind nginx on one PostgreSQL", () => {
  it("shows a browser on node A what an agent on node B reports, and routes commands across nodes", async () => {
    const [a, b, c] = nodes as [Node, Node, Node];
    // The agent talks to node B directly, so the browser's node A can only learn through PostgreSQL.
    const fleet = await startSimFleet(b.url, 1, "cross");
    const hostId = fleet.hostIds[0] as string;
    expect(await agentsOn(b)).toBe(1);
    expect(await agentsOn(a)).toBe(0);

    const session = await signedIn(a.url);
    const browser = await browserOn(a, session);
    try {
      const metrics: HostMetricsEvent[] = [];
      const updates: CommandUpdateEvent[] = [];
      browser.on("host:metrics", (e) => metrics.push(e));
      browser.on("command:update", (e) => updates.push(e));
      await waitFor(
        () => metrics.some((m) => m.hostId === hostId),
        15_000,
        () => fleet.proc.output(),
      );

      // Requested on node C, held by node B's agent, followed live by node A's browser.
      const requester = await signedIn(c.url);
      const res = await requester.mutate<CommandView>("commands.request", {
        hostId,
        command: { name: "inventory.refresh", payload: {} },
      });
      expect(res.status, JSON.stringify(res.error)).toBe(200);
      const id = res.data?.id as string;
      await waitFor(
        () => updates.some((u) => u.id === id && u.state === "succeeded"),
        20_000,
        () => `${JSON.stringify(updates)}\n${fleet.proc.output()}`,
      );
    } finally {
      browser.close();
      await fleet.proc.stop();
    }
  });

  it("moves a killed node's agents to the others within 30 s and runs each pending command once", async () => {
    const session = await signedIn(lb.url);
    const fleet = await startSimFleet(lb.url, 6, "lb");
    await waitFor(async () => (await Promise.all(nodes.map(agentsOn))).reduce((s, n) => s + n, 0) === 6, 20_000);
    const counts = await Promise.all(nodes.map(agentsOn));
    // least_conn spreads them; the node with the most agents dies.
    const victimIndex = counts.indexOf(Math.max(...counts));
    const victim = nodes[victimIndex] as Node;
    const survivors = nodes.filter((n) => n !== victim);
    expect(counts[victimIndex]).toBeGreaterThan(0);

    // A command for every host, requested just before the kill: some are in flight on the victim.
    const ids: string[] = [];
    for (const hostId of fleet.hostIds) {
      const res = await session.mutate<CommandView>("commands.request", {
        hostId,
        command: { name: "inventory.refresh", payload: {} },
      });
      expect(res.status, JSON.stringify(res.error)).toBe(200);
      ids.push(res.data?.id as string);
    }
    const killedAt = Date.now();
    nodeKilledAt = new Date(killedAt);
    await victim.proc.stop("SIGKILL");

    await waitFor(
      async () => (await Promise.all(survivors.map(agentsOn))).reduce((s, n) => s + n, 0) === 6,
      30_000,
      () => fleet.proc.output(),
    );
    const movedInMs = Date.now() - killedAt;
    expect(movedInMs).toBeLessThan(30_000);

    await waitFor(
      async () => (await db.prisma.command.count({ where: { id: { in: ids }, state: "succeeded" } })) === ids.length,
      30_000,
      () => fleet.proc.output(),
    );
    // Exactly once: each command ran once on its agent, whatever was resent after the move.
    const output = fleet.proc.output();
    for (const id of ids) {
      const runs = output.split("\n").filter((line) => line.includes(id) && line.includes("running command"));
      expect(runs, `runs of command ${id}`).toHaveLength(1);
    }
    const hosts = await db.prisma.host.count({ where: { id: { in: fleet.hostIds }, status: "online" } });
    expect(hosts).toBe(6);
    await fleet.proc.stop();
  });

  it("drops an agent's stale link on one node when the agent is welcomed on another", async () => {
    // Two nodes still running (the test before killed one).
    const [a, b] = nodes.filter((n) => n.proc.child.exitCode === null && n.proc.child.signalCode === null) as [
      Node,
      Node,
    ];
    const [cred] = (await seedLoadAgents(db.pool, {
      orgId: db.demo.orgId,
      teamId: db.demo.teamId,
      count: 1,
    })) as [LoadCredential];
    const before = await agentsOn(a);
    // The first link goes quiet without closing (as after a crash on the agent's side).
    const stale = await protocolAgent(a, cred);
    expect(await agentsOn(a)).toBe(before + 1);
    const fresh = await protocolAgent(b, cred);
    try {
      const staleClosed = await stale.closed;
      expect(staleClosed).toBe(CloseCode.replaced);
      await waitFor(async () => (await agentsOn(a)) === before, 5_000);

      // Commands now go to the live link on node B, not into node A's dead one.
      const session = await signedIn(a.url);
      const res = await session.mutate<CommandView>("commands.request", {
        hostId: cred.hostId,
        command: { name: "inventory.refresh", payload: {} },
      });
      expect(res.status, JSON.stringify(res.error)).toBe(200);
      await waitFor(() => fresh.frames.some((f) => f.type === "command" && f.id === res.data?.id), 10_000);
    } finally {
      stale.ws.terminate();
      fresh.ws.terminate();
    }
  });

  it("sends and runs each minute's cron jobs once while three nodes, then two, check the schedules", async () => {
    const killedAt = nodeKilledAt;
    // The survivors went on checking after the kill (the claim of a check is stamped in pgboss.version).
    if (killedAt) {
      await waitFor(async () => {
        const { rows } = await db.pool.query<{ cron_on: Date | null }>("SELECT cron_on FROM pgboss.version");
        return (rows[0]?.cron_on?.getTime() ?? 0) > killedAt.getTime();
      }, 10_000);
    }
    const jobs = await settledBossJobs(db.pool, [SEND_IT_QUEUE, ROLLUP_1M_JOB, RETENTION_JOB], killedAt);
    const detail = describeBossJobs(jobs);
    /**
     * How many due minutes of a schedule were turned into its job. Each is filed once however many
     * nodes checked the schedule in that minute (one the killed node died forwarding sends nothing).
     */
    const forwardedMinutes = (queue: string) => {
      const filed = jobs.filter((j) => j.queue === SEND_IT_QUEUE && j.target === queue);
      const perMinute = countBy(filed, (j) => j.slot);
      expect(
        [...perMinute].filter(([, n]) => n !== 1),
        `${queue} filed more than once a minute\n${detail}`,
      ).toEqual([]);
      return filed.filter((j) => !diedHolding(j, killedAt)).length;
    };

    // Each due minute became one rollup job, run once: nothing else sends it, and it is not retried.
    const rollupMinutes = forwardedMinutes(ROLLUP_1M_JOB);
    const rollups = jobs.filter((j) => j.queue === ROLLUP_1M_JOB);
    expect(rollupMinutes, detail).toBeGreaterThan(0);
    expect(rollups.length, detail).toBe(rollupMinutes);
    for (const run of rollups) {
      if (!diedHolding(run, killedAt)) expect(run, detail).toMatchObject({ state: "completed", retries: 0 });
    }
    // The runs did the work: the 1-minute tier's mark is recent.
    const { rows } = await db.pool.query<{ done_until: Date }>(
      "SELECT done_until FROM metric_rollup_state WHERE tier = '1m'",
    );
    expect(rows[0]?.done_until.getTime()).toBeGreaterThan(Date.now() - 5 * 60_000);

    // Upkeep: its hourly cron minute (if the test ran through one) plus the one start-up job every
    // node asks for, a singleton per 5-minute slot.
    const upkeepSlots = countBy(
      jobs.filter((j) => j.queue === RETENTION_JOB && j.singletonKey === "startup"),
      (j) => j.singletonOn,
    );
    expect(upkeepSlots.size, detail).toBeGreaterThan(0);
    expect(
      [...upkeepSlots].filter(([, n]) => n !== 1),
      detail,
    ).toEqual([]);
    const upkeeps = jobs.filter((j) => j.queue === RETENTION_JOB);
    expect(upkeeps.length, detail).toBe(forwardedMinutes(RETENTION_JOB) + upkeepSlots.size);

    // Each node registered the schedules at start-up: one row each, not one per node.
    expect(await bossSchedules(db.pool)).toEqual(
      [RETENTION_JOB, ROLLUP_1H_JOB, ROLLUP_1M_JOB].sort().map((name) => ({ name, key: "" })),
    );
  });
});

/** A bare protocol client: hello, then it records what the server sends. */
async function protocolAgent(node: Node, cred: LoadCredential) {
  const ws = new WebSocket(`${node.url.replace("http", "ws")}${AGENT_GATEWAY_PATH}`, {
    headers: { authorization: `Bearer ${cred.agentId}.${cred.secret}` },
  });
  const frames: ServerFrame[] = [];
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  ws.on("message", (data) => frames.push(JSON.parse(data.toString()) as ServerFrame));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  ws.send(
    JSON.stringify({
      type: "hello",
      protocol: PROTOCOL_VERSION,
      agentId: cred.agentId,
      agentVersion: "test-0.1.0",
      bootId: `boot-${Date.now()}`,
      drivers: ["sim"],
      intervalMs: 5_000,
    }),
  );
  await waitFor(() => frames.some((f) => f.type === "welcome"), 10_000);
  return { ws, frames, closed };
}
