/** Per-process figures of the agent resource benchmark, and the short table it prints. */
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
