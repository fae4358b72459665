// One server process holding many agent connections (issue 9, point 3): RSS per connection
// beyond the server's baseline, then a SIGKILL restart and the time until every agent is
// welcomed again, with the peak number of PostgreSQL connections while they storm back.
// Real server (API only, no Next), real PostgreSQL, real WebSockets speaking the protocol.
//   npx tsx test/bench/connections.bench.ts                 (10,000 agents -> results/connections.json)
//   BENCH_AGENTS=1000 npx tsx test/bench/connections.bench.ts   (smoke run: written to a temp file)
// Also: BENCH_INTERVAL_MS (60000; metrics per agent, 0 = none), BENCH_SETTLE_SECONDS (20),
// BENCH_OUT (file). Goals (<= 5 KB per connection, <= 5 min to reconnect) are recorded, not asserted.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type LoadFleet, seedLoadAgents, startLoadFleet } from "../load/agents.js";
import { freePort, startSeededDatabase } from "../support/postgres.js";
import { type Proc, ROOT } from "../support/processes.js";
import { startBenchServer } from "./lib/bench-server.js";
import { wholeEnv } from "./lib/env.js";
import { connectInspector, type InspectorProbe, type MemoryUsage } from "./lib/inspector-probe.js";
import { percentile, readProcess } from "./lib/proc-usage.js";

const AGENTS = wholeEnv("BENCH_AGENTS", 10_000, 1);
const INTERVAL_MS = wholeEnv("BENCH_INTERVAL_MS", 60_000, 0);
const SETTLE_SECONDS = wholeEnv("BENCH_SETTLE_SECONDS", 20, 1);
const FULL_RUN = AGENTS >= 10_000;
const OUT =
  process.env.BENCH_OUT ||
  (FULL_RUN ? join(ROOT, "test/bench/results/connections.json") : join(tmpdir(), "connections-bench.json"));
const RECONNECT_LIMIT_MS = 10 * 60_000;

/** Each socket is a file descriptor on both ends: say so up front instead of failing at EMFILE. */
function checkFileLimit() {
  const soft = Number(execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim());
  const needed = AGENTS + 1_000;
  if (Number.isFinite(soft) && soft < needed) {
    console.error(
      `ulimit -n is ${soft}; ${AGENTS} agents need ${needed} (raise it: ulimit -n ${needed}, up to ulimit -Hn)`,
    );
    process.exit(2);
  }
}

/**
 * Node flags the production start paths use too (apps/web `start`/`serve`, infra/docker server
 * image, infra/k8s): the bench runs the server as it runs in production.
 */
const PRODUCTION_NODE_ARGS: string[] = [];
/** BENCH_NODE_ARGS (space-separated) replaces them, to try a flag before adopting it. */
const SERVER_NODE_ARGS = process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? PRODUCTION_NODE_ARGS;

interface MemoryPoint {
  /** Median RSS of several readings with no GC forced: what `top` shows. */
  settledRss: number;
  /** RSS right after two forced full GCs: live memory plus what the allocators keep. */
  gcRss: number;
  /** process.memoryUsage() after the forced GCs. */
  usage: MemoryUsage;
  /** V8's young generation (new space) as committed after the GCs: it grows with traffic up to
   * a fixed cap (2 x --max-semi-space-size) and does not shrink on a forced GC. */
  youngGeneration: number;
}

/** Settled RSS first, then a forced GC (through the inspector) and the memory split. */
async function measureMemory(pid: number, probe: InspectorProbe, readings: number): Promise<MemoryPoint> {
  const settledRss = await steadyRss(pid, readings);
  await probe.collectGarbage();
  await sleep(2_000);
  const usage = await probe.memoryUsage();
  const gcRss = readProcess(pid)?.rssBytes ?? Number.NaN;
  const spaces = await probe.heapSpaces();
  return { settledRss, gcRss, usage, youngGeneration: spaces.new_space ?? Number.NaN };
}

function printMemory(label: string, m: MemoryPoint) {
  const mib = (n: number) => (n / 2 ** 20).toFixed(1);
  console.log(
    `${label}: RSS ${mib(m.settledRss)} MiB settled, ${mib(m.gcRss)} MiB after GC ` +
      `(heapUsed ${mib(m.usage.heapUsed)}, heapTotal ${mib(m.usage.heapTotal)}, young generation ${mib(m.youngGeneration)}, ` +
      `external ${mib(m.usage.external)}, arrayBuffers ${mib(m.usage.arrayBuffers)})`,
  );
}

/** Median of several RSS readings a second apart (one reading can land mid-GC). */
async function steadyRss(pid: number, readings = 5): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < readings; i++) {
    const r = readProcess(pid);
    if (r) values.push(r.rssBytes);
    await sleep(1_000);
  }
  return percentile(values, 50);
}

async function main() {
  checkFileLimit();
  const loadAverageAtStart = loadAverage();
  const db = await startSeededDatabase();
  let server: Proc | null = null;
  let fleet: LoadFleet | null = null;
  let firstHalf: LoadFleet | null = null;
  try {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const seedStart = Date.now();
    const creds = await seedLoadAgents(db.pool, {
      orgId: db.demo.orgId,
      teamId: db.demo.teamId,
      count: AGENTS,
      intervalMs: Math.max(1_000, INTERVAL_MS || 60_000),
    });
    console.log(`seeded ${AGENTS} agents in ${Date.now() - seedStart} ms`);

    const inspectPort = await freePort();
    server = await startBenchServer(db.url, port, { inspectPort, nodeArgs: SERVER_NODE_ARGS });
    const serverPid = server.child.pid as number;
    const probe = await connectInspector(inspectPort);
    // Warm the paths a connection uses (auth, hello, one batch) before the baseline.
    const warm = startLoadFleet(url, creds.slice(0, 5), { intervalMs: 1_000 });
    await warm.waitForWelcomed(5, 30_000);
    await sleep(2_000);
    await warm.stop();
    await sleep(SETTLE_SECONDS * 500);
    const baseline = await measureMemory(serverPid, probe, 5);
    printMemory("baseline", baseline);

    const rampStart = Date.now();
    // Half first, then the rest: the slope between the two is the marginal cost of a connection,
    // free of what the heap grows by once under any load at all (young generation, caches).
    const half = Math.floor(AGENTS / 2);
    firstHalf = startLoadFleet(url, creds.slice(0, half), { intervalMs: INTERVAL_MS });
    await firstHalf.waitForWelcomed(half, RECONNECT_LIMIT_MS);
    const firstRampMs = Date.now() - rampStart;
    await sleep(SETTLE_SECONDS * 1_000);
    const halfLoaded = await measureMemory(serverPid, probe, 10);
    printMemory(`${half} agents`, halfLoaded);
    const secondRampStart = Date.now();
    fleet = startLoadFleet(url, creds.slice(half), { intervalMs: INTERVAL_MS });
    await fleet.waitForWelcomed(AGENTS - half, RECONNECT_LIMIT_MS);
    const secondRampMs = Date.now() - secondRampStart;
    console.log(
      `${AGENTS} agents welcomed (halves in ${firstRampMs} and ${secondRampMs} ms); settling ${SETTLE_SECONDS} s`,
    );
    await sleep(SETTLE_SECONDS * 1_000);
    const loaded = await measureMemory(serverPid, probe, 10);
    printMemory(`${AGENTS} agents`, loaded);
    probe.close();
    const cpuBefore = readProcess(serverPid)?.cpuSeconds ?? 0;
    await sleep(10_000);
    const idleCpuRatio = ((readProcess(serverPid)?.cpuSeconds ?? 0) - cpuBefore) / 10;
    const perConnection = (loaded.gcRss - baseline.gcRss) / AGENTS;
    const perConnectionSettled = (loaded.settledRss - baseline.settledRss) / AGENTS;
    const marginal = (loaded.gcRss - halfLoaded.gcRss) / (AGENTS - half);
    const marginalSettled = (loaded.settledRss - halfLoaded.settledRss) / (AGENTS - half);
    // The young generation is a per-process buffer (capped, not per connection) that a forced GC
    // leaves at whatever size traffic grew it to: the same figure without its growth.
    const perConnectionBeyondYoung =
      (loaded.gcRss - loaded.youngGeneration - (baseline.gcRss - baseline.youngGeneration)) / AGENTS;
    const perAgentKiB = (key: keyof MemoryUsage) => round((loaded.usage[key] - baseline.usage[key]) / AGENTS / 1024);
    console.log(
      `per connection beyond the baseline: ${(perConnection / 1024).toFixed(2)} KiB after GC, ` +
        `${(perConnectionSettled / 1024).toFixed(2)} KiB settled; marginal ${(marginal / 1024).toFixed(2)} / ${(marginalSettled / 1024).toFixed(2)} KiB`,
    );
    const welcomedTotal = () => (firstHalf?.stats().welcomed ?? 0) + (fleet?.stats().welcomed ?? 0);
    const waitForAll = async (timeoutMs: number) => {
      const until = Date.now() + timeoutMs;
      while (welcomedTotal() < AGENTS) {
        if (Date.now() > until) throw new Error(`only ${welcomedTotal()} of ${AGENTS} agents welcomed`);
        await sleep(100);
      }
    };
    const beforeRestart = [firstHalf.stats(), fleet.stats()];

    // The restart: SIGKILL (nothing graceful), then a fresh server on the same port.
    const backends = { peak: 0, samples: [] as number[] };
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const { rows } = await db.pool
          .query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
          )
          .catch(() => ({ rows: [{ n: 0 }] }));
        const n = rows[0]?.n ?? 0;
        backends.samples.push(n);
        backends.peak = Math.max(backends.peak, n);
        await sleep(200);
      }
    })();
    const killedAt = Date.now();
    await server.stop("SIGKILL");
    server = await startBenchServer(db.url, port, { nodeArgs: SERVER_NODE_ARGS });
    const readyAt = Date.now();
    await waitForAll(RECONNECT_LIMIT_MS);
    const allBackAt = Date.now();
    watching = false;
    await watcher;
    const afterRestart = [firstHalf.stats(), fleet.stats()];
    console.log(
      `all ${AGENTS} back ${((allBackAt - readyAt) / 1000).toFixed(1)} s after the new server was ready ` +
        `(${((allBackAt - killedAt) / 1000).toFixed(1)} s after the kill); peak PostgreSQL connections ${backends.peak}`,
    );
    const { rows: offline } = await db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM hosts WHERE simulated AND connected_at < $1",
      [new Date(killedAt)],
    );

    const results = {
      benchmark: "connections",
      at: new Date().toISOString(),
      command: "npx tsx test/bench/connections.bench.ts",
      machine: { cpus: Number(execFileSync("nproc", { encoding: "utf8" }).trim()), node: process.version },
      setup: {
        agents: AGENTS,
        metricsIntervalMs: INTERVAL_MS,
        settleSeconds: SETTLE_SECONDS,
        server: "one process, API only (FLOTILLA_UI=off), LOG_LEVEL=warn, inspector on loopback",
        serverNodeArgs: SERVER_NODE_ARGS,
        loadAverage: { atStart: loadAverageAtStart, atEnd: loadAverage(), note: "/proc/loadavg: 1, 5, 15 min" },
        agentsFrom: "test/load/agents.ts: real WebSockets and protocol frames, one client process",
      },
      memory: {
        method:
          "RSS from /proc/PID/status. 'afterGc': read 2 s after two full GCs forced through the server's " +
          "inspector (HeapProfiler.collectGarbage), so garbage does not count (V8's young generation keeps the " +
          "size traffic grew it to: see youngGenerationMiB and perConnectionWithoutYoungGenerationKiB). " +
          "'settled': median of 10 readings 1 s apart after a settle, no GC forced (what top shows). " +
          "Per connection = (loaded - baseline) / agents.",
        baselineRssMiB: { afterGc: round(baseline.gcRss / 2 ** 20), settled: round(baseline.settledRss / 2 ** 20) },
        halfLoadedRssMiB: {
          afterGc: round(halfLoaded.gcRss / 2 ** 20),
          settled: round(halfLoaded.settledRss / 2 ** 20),
        },
        loadedRssMiB: { afterGc: round(loaded.gcRss / 2 ** 20), settled: round(loaded.settledRss / 2 ** 20) },
        perConnectionKiB: round(perConnection / 1024),
        perConnectionSettledKiB: round(perConnectionSettled / 1024),
        perConnectionWithoutYoungGenerationKiB: round(perConnectionBeyondYoung / 1024),
        youngGenerationMiB: {
          baseline: round(baseline.youngGeneration / 2 ** 20),
          halfLoaded: round(halfLoaded.youngGeneration / 2 ** 20),
          loaded: round(loaded.youngGeneration / 2 ** 20),
          note: "V8 new space committed after the forced GC (v8.getHeapSpaceStatistics): grows with traffic up to 2 x the semi-space cap (32 MiB by default), per process",
        },
        marginalPerConnectionKiB: round(marginal / 1024),
        marginalPerConnectionSettledKiB: round(marginalSettled / 1024),
        marginalNote: "(RSS at all agents - RSS at half) / the second half: the cost of one more connection",
        perConnectionSplitKiB: {
          heapUsed: perAgentKiB("heapUsed"),
          heapTotal: perAgentKiB("heapTotal"),
          external: perAgentKiB("external"),
          arrayBuffers: perAgentKiB("arrayBuffers"),
          note: "process.memoryUsage() after forced GC, (loaded - baseline) / agents",
        },
        goalPerConnectionKiB: 5,
        meetsGoal: perConnection <= 5 * 1024,
        meetsGoalSettled: perConnectionSettled <= 5 * 1024,
      },
      ramp: { firstHalfWelcomedMs: firstRampMs, secondHalfWelcomedMs: secondRampMs, rampConcurrency: 200 },
      steadyServerCpuRatio: round(idleCpuRatio),
      restart: {
        kind: "SIGKILL, then a new server on the same port",
        serverDownMs: readyAt - killedAt,
        allReconnectedAfterReadyMs: allBackAt - readyAt,
        allReconnectedAfterKillMs: allBackAt - killedAt,
        goalMs: 5 * 60_000,
        meetsGoal: allBackAt - readyAt <= 5 * 60_000,
        peakPostgresConnections: backends.peak,
        postgresConnectionsNote: "all backends of the database, including up to 4 of the bench itself",
        medianPostgresConnections: percentile(backends.samples, 50),
        hostsNotReconnected: offline[0]?.n ?? -1,
      },
      fleet: { beforeRestart, afterRestart },
    };
    writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`results written to ${OUT}`);
  } finally {
    await fleet?.stop();
    await firstHalf?.stop();
    await server?.stop();
    await db.stop();
  }
}

function loadAverage(): number[] {
  return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
