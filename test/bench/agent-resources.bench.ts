// RSS and CPU of the bundled agent (docker driver, 50 idle containers, real server and PostgreSQL)
// at 1 s and 5 s intervals, side by side with Debian's prometheus-node-exporter scraped at 1 s and
// 5 s, all in one run. Figures go to test/bench/results/agent.json; goals are recorded, never asserted.
//   pnpm run bench:agent                       (builds the agent; 300 s measured after a warm-up)
//   BENCH_SECONDS=30 pnpm run bench:agent      (smoke run: written to a temp file, not agent.json)
// Also: BENCH_WARMUP_SECONDS (20), BENCH_CONTAINERS (50), BENCH_OUT (file), BENCH_CPU_PROF_DIR
// (agents run with --cpu-prof into DIR; the figures then carry the profiler's cost),
// BENCH_AGENT_NODE_FLAGS (extra Node flags for the agents, after the launcher's),
// BENCH_AGENT_LAUNCHER_FLAGS=0 (leave out the Node flags of the bundle's #! line, which the
// systemd unit and install script run it with; by default the agents get them, as in production),
// BENCH_AGENT_LOG_DIR (each agent's last output, e.g. with --trace-gc, saved there at the end),
// BENCH_AGENT_BIN (another agent bundle, e.g. an experimental build, instead of dist's).
// Only a default full run writes agent.json unless BENCH_OUT says otherwise.
import { readFileSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { seedDemo } from "@flotilla/db";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import { type ContainerEngine, runContainer, startEngine } from "../support/container-engines.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import {
  AGENT_BIN,
  enrollAgent,
  newStateDir,
  type Proc,
  ROOT,
  startProcess,
  startServer,
} from "../support/processes.js";
import { waitFor } from "../support/wait-for.js";
import { largestBatch, readAgentSeq, samplesBetween, storedSeq, wholeRun } from "./lib/agent-samples.js";
import { wholeEnv } from "./lib/env.js";
import { launcherNodeFlags } from "./lib/launcher-flags.js";
import { failedCollectors, type NodeExporter, Scraper, startNodeExporter } from "./lib/node-exporter.js";
import { cpuSecondsOfProcessesNaming, percentile, readProcess, summariseUsage } from "./lib/proc-usage.js";
import {
  buildResults,
  type Measured,
  type ProcessFigures,
  printTable,
  round,
  summarise,
} from "./lib/resource-report.js";

const SECONDS = wholeEnv("BENCH_SECONDS", 300, 10);
const WARMUP_SECONDS = wholeEnv("BENCH_WARMUP_SECONDS", 20, 0);
const CONTAINERS = wholeEnv("BENCH_CONTAINERS", 50, 0);
const PROFILE_DIR = process.env.BENCH_CPU_PROF_DIR || undefined;
const NODE_FLAGS = (process.env.BENCH_AGENT_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean);
const LOG_DIR = process.env.BENCH_AGENT_LOG_DIR || undefined;
const BUNDLE = process.env.BENCH_AGENT_BIN || AGENT_BIN;
const USE_LAUNCHER_FLAGS = process.env.BENCH_AGENT_LAUNCHER_FLAGS !== "0";
const LAUNCHER_FLAGS = USE_LAUNCHER_FLAGS ? launcherNodeFlags(BUNDLE) : [];
const AGENT_FLAGS = [...LAUNCHER_FLAGS, ...NODE_FLAGS];
const FULL_RUN =
  SECONDS >= 300 && !PROFILE_DIR && NODE_FLAGS.length === 0 && USE_LAUNCHER_FLAGS && BUNDLE === AGENT_BIN;
const OUT =
  process.env.BENCH_OUT ||
  (FULL_RUN ? join(ROOT, "test/bench/results/agent.json") : join(PROFILE_DIR ?? tmpdir(), "agent-bench.json"));
const INTERVALS_MS = [1000, 5000] as const;

interface AgentUnderTest extends Measured {
  kind: "agent";
  proc: Proc;
  stateDir: string;
  agentId: string;
}

interface FloorUnderTest extends Measured {
  kind: "node_floor";
  proc: Proc;
}

interface ExporterUnderTest extends Measured {
  kind: "node_exporter";
  exporter: NodeExporter;
  scraper: Scraper;
}

const abort = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (abort.signal.aborted) process.exit(130);
    console.error(`${signal}: cleaning up (again to exit at once)`);
    abort.abort();
  });
}
/** Undone in reverse order, whatever happens. */
const cleanups: Array<{ what: string; run: () => Promise<unknown> }> = [];

async function startContainers(engine: ContainerEngine): Promise<void> {
  const names = Array.from({ length: CONTAINERS }, (_, i) => `bench-${String(i).padStart(3, "0")}`);
  const sleepFor = String(Math.max(3600, 2 * (SECONDS + WARMUP_SECONDS) + 600));
  const workers = Array.from({ length: 4 }, async () => {
    for (let name = names.shift(); name !== undefined; name = names.shift())
      await runContainer(engine, { name, cmd: ["sleep", sleepFor] });
  });
  await Promise.all(workers);
}

/** Each agent in its own organisation: agents on one machine share a machine id, and within an
 * organisation the second enrolment would replace the first. */
async function startAgent(db: SeededDatabase, serverUrl: string, engine: ContainerEngine, intervalMs: number) {
  const org = await seedDemo(db.prisma, { email: db.email, password: db.password, orgName: `Bench ${intervalMs} ms` });
  const { token } = await createEnrollmentToken(db.prisma, { orgId: org.orgId, teamId: org.teamId, ttlMs: 60_000 });
  const stateDir = newStateDir();
  cleanups.push({ what: `state dir ${stateDir}`, run: () => rm(stateDir, { recursive: true, force: true }) });
  const enrolled = await enrollAgent(serverUrl, token, stateDir);
  if (enrolled.code !== 0) throw new Error(`enrolment failed (${enrolled.code}):\n${enrolled.output}`);
  const { agentId } = JSON.parse(readFileSync(join(stateDir, "credentials.json"), "utf8")) as { agentId: string };
  const name = `agent@${intervalMs / 1000}s`;
  const profile = PROFILE_DIR
    ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=agent-${intervalMs}ms.cpuprofile`]
    : [];
  const proc = startProcess([
    ...AGENT_FLAGS,
    ...profile,
    BUNDLE,
    ...["run", "--state-dir", stateDir, "--interval-ms", String(intervalMs)],
    ...["--drivers", "docker", "--docker-socket", engine.socketPath],
  ]);
  cleanups.push({
    what: name,
    run: async () => {
      await proc.stop();
      if (LOG_DIR) writeFileSync(join(LOG_DIR, `${name}.log`), proc.output());
    },
  });
  const agent: AgentUnderTest = {
    name,
    kind: "agent",
    intervalMs,
    pid: proc.child.pid ?? -1,
    readings: [],
    proc,
    stateDir,
    agentId,
  };
  return agent;
}

/** Bare Node with the agent's flags: the RSS floor no Node program gets under. */
function startFloor(): FloorUnderTest {
  const proc = startProcess([...AGENT_FLAGS, "-e", "setInterval(() => {}, 1000)"]);
  cleanups.push({ what: "node floor", run: () => proc.stop() });
  return { name: "node_floor", kind: "node_floor", intervalMs: 1000, pid: proc.child.pid ?? -1, readings: [], proc };
}

async function startExporter(intervalMs: number): Promise<ExporterUnderTest> {
  const exporter = await startNodeExporter(await freePort());
  cleanups.push({ what: `node_exporter ${exporter.url}`, run: () => exporter.stop() });
  const scraper = new Scraper(exporter.url, intervalMs);
  scraper.start();
  cleanups.push({ what: `scraper ${exporter.url}`, run: () => scraper.stop() });
  const name = `node_exporter@${intervalMs / 1000}s`;
  return { name, kind: "node_exporter", intervalMs, pid: exporter.pid, readings: [], exporter, scraper };
}

/** Reads every process once a second for `seconds`; a process that dies ends the run. */
async function measure(all: Measured[], agents: AgentUnderTest[], seconds: number) {
  const seqAtStart = new Map<string, number>();
  const seqAtEnd = new Map<string, number>();
  // Half-way between ticks, so a reading rarely lands in the middle of a collection.
  const started = Math.ceil(Date.now() / 1000) * 1000 + 500;
  for (let i = 0; i <= seconds; i++) {
    const next = started + i * 1000;
    if (next > Date.now()) await sleep(next - Date.now(), undefined, { signal: abort.signal });
    for (const p of all) {
      const reading = readProcess(p.pid);
      if (!reading) {
        const output = "proc" in p ? (p as AgentUnderTest).proc.output() : (p as ExporterUnderTest).exporter.output();
        throw new Error(`${p.name} (pid ${p.pid}) is gone\n--- output ---\n${output.slice(-5000)}`);
      }
      p.readings.push(reading);
    }
    for (const a of agents) (i === 0 ? seqAtStart : seqAtEnd).set(a.name, readAgentSeq(a.stateDir));
    if (i % 30 === 0) process.stderr.write(`  ${i}/${seconds} s\n`);
  }
  return { seqAtStart, seqAtEnd };
}

async function main() {
  console.error(
    `agent resource benchmark: ${SECONDS} s measured after ${WARMUP_SECONDS} s warm-up, ${CONTAINERS} containers`,
  );
  const bundle = readFileSync(BUNDLE);
  const [engine, db] = await Promise.all([startEngine("docker"), startSeededDatabase()]);
  cleanups.push({ what: "dockerd", run: () => engine.stop() });
  db.pool.on("error", () => {});
  cleanups.push({ what: "PostgreSQL", run: () => db.stop() });
  await startContainers(engine);
  const port = await freePort();
  const serverUrl = `http://127.0.0.1:${port}`;
  const server = await startServer(db.url, port, { ui: false });
  cleanups.push({ what: "server", run: () => server.stop() });

  const agents: AgentUnderTest[] = [];
  for (const ms of INTERVALS_MS) agents.push(await startAgent(db, serverUrl, engine, ms));
  const exporters: ExporterUnderTest[] = [];
  for (const ms of INTERVALS_MS) exporters.push(await startExporter(ms));
  const floor = startFloor();
  for (const a of agents)
    await waitFor(
      async () => (await largestBatch(db.pool, a.agentId)) >= CONTAINERS + 1,
      120_000,
      () => a.proc.output(),
    );
  console.error(`all up; warming up for ${WARMUP_SECONDS} s`);
  await sleep(WARMUP_SECONDS * 1000, undefined, { signal: abort.signal });

  const all: Measured[] = [...agents, ...exporters, floor];
  const engineMarker = dirname(engine.socketPath);
  const engineCpuBefore = cpuSecondsOfProcessesNaming(engineMarker);
  const loadBefore = loadavg();
  const { seqAtStart, seqAtEnd } = await measure(all, agents, SECONDS);
  const engineCpuSeconds = cpuSecondsOfProcessesNaming(engineMarker) - engineCpuBefore;
  const loadAfter = loadavg();
  const from = Math.min(...all.map((p) => p.readings[0]?.at ?? 0));
  const to = Math.max(...all.map((p) => p.readings.at(-1)?.at ?? 0));

  // Let the last batches of the window reach PostgreSQL before counting them.
  for (const a of agents)
    await waitFor(
      async () => (await storedSeq(db.pool, a.agentId)) >= (seqAtEnd.get(a.name) ?? 0),
      30_000,
      () => a.proc.output(),
    );
  for (const e of exporters) await e.scraper.stop();

  const processes: ProcessFigures[] = [];
  for (const a of agents) {
    const window = await samplesBetween(db.pool, a.agentId, from, to);
    const run = await wholeRun(db.pool, a.agentId);
    const seqDelta = (seqAtEnd.get(a.name) ?? 0) - (seqAtStart.get(a.name) ?? 0);
    const usage = summariseUsage(a.readings);
    processes.push(
      summarise(
        a,
        usage,
        { samples: window.values, rows: window.rows },
        {
          source:
            "samples: non-null metric values in the rows of the samples table for this agent_id with ts in the window; rows: those rows",
          rows: window.rows,
          batches: window.batches,
          hostRows: window.hostRows,
          rowsPerBatch: window.batches ? window.rows / window.batches : 0,
          valuesPerRow: window.rows ? round(window.values / window.rows, 2) : 0,
          expectedTicks: round((to - from) / a.intervalMs, 1),
          seqFileDelta: seqDelta,
          wholeRun: { ...run, seqFile: readAgentSeq(a.stateDir), rowsMatchBatches: run.rows === run.declaredRows },
        },
      ),
    );
  }
  for (const e of exporters) {
    const scrapes = e.scraper.scrapes.filter((s) => s.at >= from && s.at < to);
    const total = scrapes.reduce((sum, s) => sum + s.samples, 0);
    const perScrape = scrapes.map((s) => s.samples);
    const scrapeMs = scrapes.map((s) => s.ms);
    processes.push(
      summarise(
        e,
        summariseUsage(e.readings),
        { samples: total },
        {
          source: "non-comment lines per scrape, summed over the scrapes started in the window",
          scrapes: scrapes.length,
          errors: e.scraper.errors,
          samplesPerScrape: { min: Math.min(...perScrape), mean: total / scrapes.length, max: Math.max(...perScrape) },
          scrapeMs: { p50: percentile(scrapeMs, 50), p95: percentile(scrapeMs, 95) },
          failedCollectors: failedCollectors(e.scraper.lastExposition),
        },
      ),
    );
  }

  processes.push(summarise(floor, summariseUsage(floor.readings), { samples: 0 }, { source: "no samples: idle Node" }));

  const results = buildResults(processes, {
    intervalsMs: INTERVALS_MS,
    from,
    to,
    warmupSeconds: WARMUP_SECONDS,
    containers: CONTAINERS,
    profiled: PROFILE_DIR !== undefined,
    agentNodeFlags: AGENT_FLAGS,
    bundle: { path: relative(ROOT, BUNDLE), bytes: bundle },
    engineCpuSeconds,
    loadBefore,
    loadAfter,
  });
  writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
  printTable(results);
  console.log(`written to ${OUT}`);
}

try {
  await main();
} catch (error) {
  if (!abort.signal.aborted) console.error(error);
  process.exitCode = 1;
} finally {
  for (const { what, run } of cleanups.reverse()) {
    await run().catch((error: unknown) => console.error(`cleanup of ${what} failed:`, error));
  }
}
