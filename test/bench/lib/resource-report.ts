/** Per-process figures of the agent resource benchmark, and the short table it prints. */
import { createHash } from "node:crypto";
import { cpus, release } from "node:os";
import type { Reading, UsageSummary } from "./proc-usage.js";

export interface Measured {
  name: string;
  kind: "agent" | "node_exporter";
  intervalMs: number;
  pid: number;
  readings: Reading[];
}

export const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

export function summarise<D extends object>(p: Measured, usage: UsageSummary, samples: number, samplesDetail: D) {
  return {
    name: p.name,
    kind: p.kind,
    interval: `${p.intervalMs / 1000}s`,
    intervalMs: p.intervalMs,
    readings: usage.readings,
    rssMB: { mean: round(usage.rssMB.mean, 1), p95: round(usage.rssMB.p95, 1), max: round(usage.rssMB.max, 1) },
    rssAnonMB: { mean: round(usage.rssAnonMB.mean, 1), max: round(usage.rssAnonMB.max, 1) },
    rssFileMB: { mean: round(usage.rssFileMB.mean, 1), max: round(usage.rssFileMB.max, 1) },
    rssTrendMB: {
      firstMinute: round(usage.rssTrendMB.firstMinute, 1),
      lastMinute: round(usage.rssTrendMB.lastMinute, 1),
    },
    cpuSeconds: round(usage.cpuSeconds, 2),
    cpuPercent: round(usage.cpuPercent, 2),
    samples,
    cpuMsPer1000Samples: samples > 0 ? round((usage.cpuSeconds * 1e6) / samples, 2) : null,
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
      goal: "CPU per 1,000 samples no more than node_exporter's at the same interval",
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
      readings: "every 1 s from /proc/PID/status (VmRSS) and /proc/PID/stat (utime+stime)",
      rssMB: "MB = 2^20 bytes",
      cpuPercent: "of one core, over the window",
      agentSamples: "sample rows (host + one per container per tick) stored for the agent in the window",
      nodeExporterSamples: "metric samples exposed per scrape (non-comment lines) summed over the window's scrapes",
      scrape: "the benchmark scrapes like Prometheus: text format, gzip, one request at a time, on the interval",
    },
    dockerEngineCpuSeconds: round(run.engineCpuSeconds, 2),
    processes,
    goals,
    allGoalsMet: goals.every((g) => g.met),
  };
}

function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : round(a / b, 2);
}

export function printTable(results: { durationSeconds: number; processes: ProcessFigures[]; goals: Goal[] }): void {
  const header = ["process", "RSS mean", "p95", "max MB", "anon max", "CPU s", "CPU %", "samples", "CPU ms/1k"];
  const rows = results.processes.map((p) => [
    p.name,
    p.rssMB.mean.toFixed(1),
    p.rssMB.p95.toFixed(1),
    p.rssMB.max.toFixed(1),
    p.rssAnonMB.max.toFixed(1),
    p.cpuSeconds.toFixed(2),
    p.cpuPercent.toFixed(2),
    String(p.samples),
    p.cpuMsPer1000Samples === null ? "-" : p.cpuMsPer1000Samples.toFixed(2),
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
