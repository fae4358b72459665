// One server process holding many agent connections (issue 9, point 3): RSS per connection
// beyond the server's baseline, then a SIGKILL restart and the time until every agent is
// welcomed again, with the peak number of PostgreSQL connections while they storm back.
// Real server (API only, no Next), real PostgreSQL, real WebSockets speaking the protocol.
//   npx tsx test/bench/connections.bench.ts                 (10,000 agents -> results/connections.json)
//   BENCH_AGENTS=1000 npx tsx test/bench/connections.bench.ts   (smoke run: written to a temp file)
// Also: BENCH_INTERVAL_MS (60000; metrics per agent, 0 = none), BENCH_SETTLE_SECONDS (20),
// BENCH_OUT (file). Goals (<= 5 KB per connection, <= 5 min to reconnect) are recorded, not asserted.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type LoadFleet, seedLoadAgents, startLoadFleet } from "../load/agents.js";
import { freePort, startSeededDatabase } from "../support/postgres.js";
import { type Proc, ROOT, startServer } from "../support/processes.js";
import { percentile, readProcess } from "./lib/proc-usage.js";

function wholeEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    console.error(`${name}=${raw}: must be a whole number >= ${min}`);
    process.exit(2);
  }
  return Number(raw);
}

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

    server = await startServer(db.url, port, { ui: false });
    const serverPid = server.child.pid as number;
    // Warm the paths a connection uses (auth, hello, one batch) before the baseline.
    const warm = startLoadFleet(url, creds.slice(0, 5), { intervalMs: 1_000 });
    await warm.waitForWelcomed(5, 30_000);
    await sleep(2_000);
    await warm.stop();
    await sleep(SETTLE_SECONDS * 500);
    const baselineRss = await steadyRss(serverPid);
    console.log(`server baseline RSS ${(baselineRss / 2 ** 20).toFixed(1)} MiB`);

    const rampStart = Date.now();
    // Half first, then the rest: the slope between the two is the marginal cost of a connection,
    // free of what the heap grows by once under any load at all (young generation, caches).
    const half = Math.floor(AGENTS / 2);
    firstHalf = startLoadFleet(url, creds.slice(0, half), { intervalMs: INTERVAL_MS });
    await firstHalf.waitForWelcomed(half, RECONNECT_LIMIT_MS);
    const firstRampMs = Date.now() - rampStart;
    await sleep(SETTLE_SECONDS * 1_000);
    const halfRss = await steadyRss(serverPid, 10);
    console.log(`${half} agents: RSS ${(halfRss / 2 ** 20).toFixed(1)} MiB`);
    const secondRampStart = Date.now();
    fleet = startLoadFleet(url, creds.slice(half), { intervalMs: INTERVAL_MS });
    await fleet.waitForWelcomed(AGENTS - half, RECONNECT_LIMIT_MS);
    const secondRampMs = Date.now() - secondRampStart;
    console.log(
      `${AGENTS} agents welcomed (halves in ${firstRampMs} and ${secondRampMs} ms); settling ${SETTLE_SECONDS} s`,
    );
    await sleep(SETTLE_SECONDS * 1_000);
    const loadedRss = await steadyRss(serverPid, 10);
    const cpuBefore = readProcess(serverPid)?.cpuSeconds ?? 0;
    await sleep(10_000);
    const idleCpuRatio = ((readProcess(serverPid)?.cpuSeconds ?? 0) - cpuBefore) / 10;
    const perConnection = (loadedRss - baselineRss) / AGENTS;
    const marginal = (loadedRss - halfRss) / (AGENTS - half);
    console.log(
      `loaded RSS ${(loadedRss / 2 ** 20).toFixed(1)} MiB: ${(perConnection / 1024).toFixed(2)} KiB per connection ` +
        `beyond the baseline, ${(marginal / 1024).toFixed(2)} KiB marginal`,
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
    server = await startServer(db.url, port, { ui: false });
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
        server: "one process, API only (FLOTILLA_UI=off), LOG_LEVEL=warn",
        agentsFrom: "test/load/agents.ts: real WebSockets and protocol frames, one client process",
      },
      memory: {
        baselineRssMiB: round(baselineRss / 2 ** 20),
        loadedRssMiB: round(loadedRss / 2 ** 20),
        halfLoadedRssMiB: round(halfRss / 2 ** 20),
        perConnectionKiB: round(perConnection / 1024),
        marginalPerConnectionKiB: round(marginal / 1024),
        marginalNote: "(RSS at all agents - RSS at half) / the second half: the cost of one more connection",
        goalPerConnectionKiB: 5,
        meetsGoal: perConnection <= 5 * 1024,
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
