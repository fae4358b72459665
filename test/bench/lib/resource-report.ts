/** Per-process figures of the agent resource benchmark, and the short table it prints. */
import { createHash } from "node:crypto";
import { cpus, release } from "node:os";
import type { Reading, UsageSummary } from "./proc-usage.js";

export interface Measured {
  name: string;
  kind: "agent" | "node_exporter" | "node_floor";
  intervalMs: number;
  pid: number;
  readings: Reading[];
}

export const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * `samples` counts the way node_exporter and Prometheus do: one metric value of one series per
 * interval. `rows` (agents only) counts the agent's sample rows, each carrying several values.
 */
export function summarise<D extends object>(
  p: Measured,
  usage: UsageSummary,
  counts: { samples: number; rows?: number },
  samplesDetail: D,
) {
  const perThousand = (n: number | undefined) =>
    n === undefined ? undefined : n > 0 ? round((usage.cpuSeconds * 1e6) / n, 2) : null;
  const { samples, rows } = counts;
  return {
    name: p.name,
    kind: p.kind,
    interval: `${p.intervalMs / 1000}s`,
    intervalMs: p.intervalMs,
    readings: usage.readings,
    rssMB: { mean: round(usage.rssMB.mean, 1), p95: round(usage.rssMB.p95, 1), max: round(usage.rssMB.max, 1) },
    rssAnonMB: { mean: round(usage.rssAnonMB.mean, 1), max: round(usage.rssAnonMB.max, 1) },
    rssFileMB: { mean: round(usage.rssFileMB.mean, 1), max: round(usage.rssFileMB.max, 1) },
    pssMB: { mean: round(usage.pssMB.mean, 1), max: round(usage.pssMB.max, 1) },
    ussMB: { mean: round(usage.ussMB.mean, 1), max: round(usage.ussMB.max, 1) },
    rssTrendMB: {
      firstMinute: round(usage.rssTrendMB.firstMinute, 1),
      lastMinute: round(usage.rssTrendMB.lastMinute, 1),
    },
    cpuSeconds: round(usage.cpuSeconds, 2),
    cpuPercent: round(usage.cpuPercent, 2),
    samples,
    cpuMsPer1000Samples: perThousand(samples) ?? null,
    ...(rows === undefined ? {} : { sampleRows: rows, cpuMsPer1000Rows: perThousand(rows) ?? null }),
    samplesDetail,
  };
}
export type ProcessFigures = ReturnType<typeof summarise>;

export interface Goal {
  goal: string;
  process: string;
  measured: number | null;
  limit: number | null;
  ratio?: number | null;
  met: boolean;
}

export interface RunFacts {
  intervalsMs: readonly number[];
  /** The measured window, Date.now() values. */
  from: number;
  to: number;
  warmupSeconds: number;
  containers: number;
  profiled: boolean;
  agentNodeFlags: string[];
  bundle: { path: string; bytes: Buffer };
  /** dockerd, containerd and shims over the window. */
  engineCpuSeconds: number;
  loadBefore: number[];
  loadAfter: number[];
}

/** The figures with the machine, the method and the goals, each marked met or not (never asserted). */
export function buildResults(processes: ProcessFigures[], run: RunFacts) {
  const find = (kind: string, ms: number) => processes.find((p) => p.kind === kind && p.intervalMs === ms);
  const floor = processes.find((p) => p.kind === "node_floor");
  const goals: Goal[] = [];
  for (const ms of run.intervalsMs) {
    const agent = find("agent", ms);
    const exporter = find("node_exporter", ms);
    if (!agent || !exporter) continue;
    goals.push({
      goal: "RSS at most 60 MB (max over the window)",
      process: agent.name,
      measured: agent.rssMB.max,
      limit: 60,
      met: agent.rssMB.max <= 60,
    });
    goals.push({
      goal: "CPU per 1,000 samples no more than node_exporter's at the same interval (a sample: one value of one series, as node_exporter counts)",
      process: agent.name,
      measured: agent.cpuMsPer1000Samples,
      limit: exporter.cpuMsPer1000Samples,
      ratio: ratio(agent.cpuMsPer1000Samples, exporter.cpuMsPer1000Samples),
      met:
        agent.cpuMsPer1000Samples !== null &&
        exporter.cpuMsPer1000Samples !== null &&
        agent.cpuMsPer1000Samples <= exporter.cpuMsPer1000Samples,
    });
  }
  // Context for the goals, not goals: the per-row figure (not like with like: a row holds ~6
  // values) and how far the agent sits above what Node itself needs.
  const context = run.intervalsMs.flatMap((ms) => {
    const agent = find("agent", ms);
    const exporter = find("node_exporter", ms);
    if (!agent || !exporter) return [];
    return [
      {
        process: agent.name,
        cpuMsPer1000Rows: agent.cpuMsPer1000Rows ?? null,
        rowsVsExporterSamplesRatio: ratio(agent.cpuMsPer1000Rows ?? null, exporter.cpuMsPer1000Samples),
        rssMaxAboveNodeFloorMB: floor ? round(agent.rssMB.max - floor.rssMB.max, 1) : null,
        rssNeededOffFloorForGoalMB: floor ? round(60 - floor.rssMB.max, 1) : null,
      },
    ];
  });
  return {
    benchmark: "flotilla-agent vs prometheus-node-exporter: RSS and CPU side by side",
    date: new Date(run.from).toISOString(),
    machine: {
      cores: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      node: process.version,
      kernel: release(),
      loadAverage1m: { before: round(run.loadBefore[0] ?? 0, 2), after: round(run.loadAfter[0] ?? 0, 2) },
      note: "shared machine: other work may run on the same cores; CPU is each process's own utime+stime",
    },
    durationSeconds: round((run.to - run.from) / 1000, 1),
    warmupSeconds: run.warmupSeconds,
    containers: run.containers,
    profiled: run.profiled,
    agentNodeFlags: run.agentNodeFlags,
    agentBundle: {
      path: run.bundle.path,
      bytes: run.bundle.bytes.length,
      sha256: createHash("sha256").update(run.bundle.bytes).digest("hex").slice(0, 16),
    },
    method: {
      readings:
        "every 1 s from /proc/PID/status (VmRSS, RssAnon, RssFile), /proc/PID/smaps_rollup (Pss; USS = Private_Clean + Private_Dirty) and /proc/PID/stat (utime+stime)",
      rssMB: "MB = 2^20 bytes",
      cpuPercent: "of one core, over the window",
      samples:
        "as node_exporter counts them: one metric value of one series per interval. Agent: the non-null metric values in its sample rows stored in the window; node_exporter: exposed samples (non-comment lines) per scrape, summed over the window's scrapes",
      sampleRows:
        "agents only: sample rows (host + one per container per tick) stored in the window, each holding several values; cpuMsPer1000Rows is kept for comparison with earlier runs",
      nodeFloor:
        "node_floor: `node -e setInterval(()=>{},1000)` run with the agent's Node flags, measured in the same run: the RSS any Node process has here before the agent's first line of code",
      pssUss:
        "RSS counts the node binary's file-backed pages in full although they are shared with every Node process; PSS and USS are shown beside it, the goal is on RSS",
      scrape: "the benchmark scrapes like Prometheus: text format, gzip, one request at a time, on the interval",
    },
    dockerEngineCpuSeconds: round(run.engineCpuSeconds, 2),
    processes,
    goals,
    context,
    allGoalsMet: goals.every((g) => g.met),
  };
}

function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : round(a / b, 2);
}

export function printTable(results: { durationSeconds: number; processes: ProcessFigures[]; goals: Goal[] }): void {
  const header = [
    "process",
    "RSS mean",
    "p95",
    "max MB",
    "anon max",
    "PSS max",
    "USS max",
    "CPU s",
    "CPU %",
    "samples",
    "CPU ms/1k",
    "ms/1k rows",
  ];
  const rows = results.processes.map((p) => [
    p.name,
    p.rssMB.mean.toFixed(1),
    p.rssMB.p95.toFixed(1),
    p.rssMB.max.toFixed(1),
    p.rssAnonMB.max.toFixed(1),
    p.pssMB.max.toFixed(1),
    p.ussMB.max.toFixed(1),
    p.cpuSeconds.toFixed(2),
    p.cpuPercent.toFixed(2),
    String(p.samples),
    p.cpuMsPer1000Samples === null ? "-" : p.cpuMsPer1000Samples.toFixed(2),
    p.cpuMsPer1000Rows == null ? "-" : p.cpuMsPer1000Rows.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  console.log(`\n${results.durationSeconds} s side by side`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  console.log("");
  for (const g of results.goals) {
    const ratio = g.ratio === undefined ? "" : ` (ratio ${g.ratio})`;
    console.log(`${g.met ? "met    " : "MISSED "} ${g.process}: ${g.goal}: ${g.measured} vs ${g.limit}${ratio}`);
  }
}
