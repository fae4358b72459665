/** Resident memory and CPU time of running processes, read from /proc the way `top` does. */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

export const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

export interface Reading {
  /** Date.now() when read. */
  at: number;
  rssBytes: number;
  /** The anonymous part of RSS (heap, stacks) and the file-backed part (mostly the node or Go
   * binary's own pages, shared with every process running the same binary). */
  rssAnonBytes: number;
  rssFileBytes: number;
  /** From /proc/PID/smaps_rollup: PSS charges each shared page to the processes sharing it in
   * equal parts; USS (private clean + dirty) is what ending the process would free. */
  pssBytes: number;
  ussBytes: number;
  /** utime + stime, in seconds. */
  cpuSeconds: number;
}

/** One reading of a process, or undefined when it has gone. */
export function readProcess(pid: number): Reading | undefined {
  try {
    const at = Date.now();
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kiB = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, "m").exec(status)?.[1] ?? Number.NaN);
    const rssKiB = kiB("VmRSS");
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name may hold spaces and parentheses: fields start after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    if (!Number.isFinite(rssKiB) || !Number.isFinite(ticks)) return undefined;
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const rollupKiB = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, "m").exec(rollup)?.[1] ?? Number.NaN);
    return {
      at,
      rssBytes: rssKiB * 1024,
      rssAnonBytes: kiB("RssAnon") * 1024,
      rssFileBytes: kiB("RssFile") * 1024,
      pssBytes: rollupKiB("Pss") * 1024,
      ussBytes: (rollupKiB("Private_Clean") + rollupKiB("Private_Dirty")) * 1024,
      cpuSeconds: ticks / CLOCK_TICKS,
    };
  } catch {
    return undefined;
  }
}

/** Nearest-rank percentile of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

export interface UsageSummary {
  readings: number;
  seconds: number;
  rssMB: { mean: number; p95: number; max: number };
  rssAnonMB: { mean: number; max: number };
  rssFileMB: { mean: number; max: number };
  pssMB: { mean: number; max: number };
  ussMB: { mean: number; max: number };
  /** Mean RSS over the first and the last minute: a leak shows as a climb. */
  rssTrendMB: { firstMinute: number; lastMinute: number };
  cpuSeconds: number;
  /** Share of one core over the window, in percent. */
  cpuPercent: number;
}

const MiB = 1024 * 1024;

/** RSS statistics over every reading, CPU from the first reading to the last. */
export function summariseUsage(readings: readonly Reading[]): UsageSummary {
  const first = readings[0];
  const last = readings.at(-1);
  if (!first || !last || readings.length < 2) throw new Error("need at least two readings");
  const rss = readings.map((r) => r.rssBytes / MiB);
  const anon = readings.map((r) => r.rssAnonBytes / MiB);
  const file = readings.map((r) => r.rssFileBytes / MiB);
  const pss = readings.map((r) => r.pssBytes / MiB);
  const uss = readings.map((r) => r.ussBytes / MiB);
  const seconds = (last.at - first.at) / 1000;
  const cpuSeconds = last.cpuSeconds - first.cpuSeconds;
  const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const minute = (at: (r: Reading) => boolean) => meanOf(readings.filter(at).map((r) => r.rssBytes / MiB));
  return {
    readings: readings.length,
    seconds,
    rssMB: { mean: meanOf(rss), p95: percentile(rss, 95), max: Math.max(...rss) },
    rssAnonMB: { mean: meanOf(anon), max: Math.max(...anon) },
    rssFileMB: { mean: meanOf(file), max: Math.max(...file) },
    pssMB: { mean: meanOf(pss), max: Math.max(...pss) },
    ussMB: { mean: meanOf(uss), max: Math.max(...uss) },
    rssTrendMB: {
      firstMinute: minute((r) => r.at < first.at + 60_000),
      lastMinute: minute((r) => r.at > last.at - 60_000),
    },
    cpuSeconds,
    cpuPercent: (100 * cpuSeconds) / seconds,
  };
}

/** Every process whose command line contains `marker`, e.g. a private engine's directory. */
export function cpuSecondsOfProcessesNaming(marker: string): number {
  let total = 0;
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker)) continue;
      total += readProcess(Number(pid))?.cpuSeconds ?? 0;
    } catch {
      // ended meanwhile
    }
  }
  return total;
}
