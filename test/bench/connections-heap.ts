// Where a server's memory per agent connection goes: the process.memoryUsage() split and RSS by
// mapping after a forced GC, and a heap snapshot diff by constructor between BENCH_FIRST and
// BENCH_AGENTS agents. A diagnostic for connections.bench.ts (which gives the RSS figure):
// printed, not written to results. Taking a snapshot inflates the server's RSS (malloc), so read
// RSS from a run with BENCH_HEAP=0.
//   npx tsx test/bench/connections-heap.ts
//   env: BENCH_AGENTS (10000), BENCH_FIRST (1000), BENCH_INTERVAL_MS (0: no metrics; 60000 as the
//   bench), BENCH_HEAP=0 (no snapshots), BENCH_SNAPSHOT_DIR (keep the .heapsnapshot files there)
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { type LoadFleet, seedLoadAgents, startLoadFleet } from "../load/agents.js";
import { freePort, startSeededDatabase } from "../support/postgres.js";
import type { Proc } from "../support/processes.js";
import { startBenchServer } from "./lib/bench-server.js";
import { connectInspector, diffHeap, type InspectorProbe } from "./lib/inspector-probe.js";
import { readProcess } from "./lib/proc-usage.js";

const AGENTS = Number(process.env.BENCH_AGENTS ?? 10_000);
const FIRST = Number(process.env.BENCH_FIRST ?? 1_000);
const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? 0);
const MiB = 2 ** 20;
const HEAP = process.env.BENCH_HEAP !== "0";

/** Resident memory by kind of mapping: glibc's brk heap, other anonymous maps (V8 pages, malloc arenas, mmap'd blocks), files. */
function rssByMapping(pid: number): Record<string, number> {
  const text = readFileSync(`/proc/${pid}/smaps`, "utf8");
  const out: Record<string, number> = {};
  let kind = "";
  for (const line of text.split("\n")) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[1] ?? "";
      kind = name === "" ? "anon" : name.startsWith("[") ? name : "file";
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] = (out[kind] ?? 0) + Number(rss[1]) * 1024;
  }
  return out;
}

async function measure(label: string, probe: InspectorProbe, pid: number, withHeap: boolean) {
  await sleep(3_000);
  await probe.collectGarbage();
  await sleep(2_000);
  const usage = await probe.memoryUsage();
  const rss = readProcess(pid)?.rssBytes ?? Number.NaN;
  const file = process.env.BENCH_SNAPSHOT_DIR
    ? `${process.env.BENCH_SNAPSHOT_DIR}/${label.replace(/\W+/g, "-")}.heapsnapshot`
    : undefined;
  const heap = withHeap ? await probe.heapSummary(file) : [];
  const line = Object.entries(usage)
    .map(([k, v]) => `${k} ${(v / MiB).toFixed(1)}`)
    .join(", ");
  const maps = rssByMapping(pid);
  const mapLine = Object.entries(maps)
    .map(([k, v]) => `${k} ${(v / MiB).toFixed(1)}`)
    .join(", ");
  console.log(`${label}: /proc rss ${(rss / MiB).toFixed(1)} MiB; memoryUsage MiB: ${line}; by mapping: ${mapLine}`);
  return { rss, usage, heap, maps };
}

async function main() {
  const db = await startSeededDatabase();
  let server: Proc | null = null;
  const fleets: LoadFleet[] = [];
  try {
    const port = await freePort();
    const inspectPort = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const creds = await seedLoadAgents(db.pool, { orgId: db.demo.orgId, teamId: db.demo.teamId, count: AGENTS });
    server = await startBenchServer(db.url, port, { inspectPort });
    const pid = server.child.pid as number;
    const probe = await connectInspector(inspectPort);
    const warm = startLoadFleet(url, creds.slice(0, 5), { intervalMs: 1_000 });
    await warm.waitForWelcomed(5, 30_000);
    await sleep(2_000);
    await warm.stop();
    const base = await measure("baseline", probe, pid, false);
    fleets.push(startLoadFleet(url, creds.slice(0, FIRST), { intervalMs: INTERVAL_MS }));
    await fleets[0]?.waitForWelcomed(FIRST, 120_000);
    const first = await measure(`${FIRST} agents`, probe, pid, HEAP);
    fleets.push(startLoadFleet(url, creds.slice(FIRST), { intervalMs: INTERVAL_MS }));
    await fleets[1]?.waitForWelcomed(AGENTS - FIRST, 300_000);
    const all = await measure(`${AGENTS} agents`, probe, pid, HEAP);
    const per = AGENTS - FIRST;
    const kib = (a: number, b: number, n: number) => `${((a - b) / n / 1024).toFixed(2)} KiB`;
    console.log(`per connection beyond baseline (all ${AGENTS}): rss ${kib(all.rss, base.rss, AGENTS)}`);
    for (const k of ["rss", "heapTotal", "heapUsed", "external", "arrayBuffers"] as const) {
      console.log(`  marginal ${k}: ${kib(all.usage[k], first.usage[k], per)}`);
    }
    console.log("heap growth per connection by constructor (bytes, count):");
    for (const g of diffHeap(first.heap, all.heap, per, 40)) console.log(`  ${g.bytesPer}\t${g.countPer}\t${g.name}`);
    probe.close();
  } finally {
    for (const f of fleets) await f.stop();
    await server?.stop();
    await db.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
