// CPU seconds spent by the parts of the ingest benchmark, read from /proc: the server process,
// this process (the load generator, or the COPY client) and PostgreSQL (postmaster + backends).
import { readdirSync, readFileSync } from "node:fs";
import { readProcess } from "./proc-usage.js";

export interface CpuSplit {
  server: number;
  generator: number;
  postgres: number;
}

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return null;
  }
}

function postgresSeconds(dataDir: string): number {
  const pids = readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
  const postmaster = pids.find((pid) => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      return cmd.includes(dataDir) && cmd.includes("postgres");
    } catch {
      return false;
    }
  });
  if (postmaster === undefined) return Number.NaN;
  let total = 0;
  for (const pid of pids) {
    if (pid === postmaster || parentOf(pid) === postmaster) total += readProcess(pid)?.cpuSeconds ?? 0;
  }
  return total;
}

export function readCpuSplit(serverPid: number | undefined, dataDir: string): CpuSplit {
  const own = process.cpuUsage();
  return {
    server: serverPid ? (readProcess(serverPid)?.cpuSeconds ?? Number.NaN) : Number.NaN,
    generator: (own.user + own.system) / 1e6,
    postgres: postgresSeconds(dataDir),
  };
}

/** CPU seconds per million samples of each part between two readings. */
export function perMillion(before: CpuSplit, after: CpuSplit, samples: number) {
  const per = (a: number, b: number) => Number((((b - a) / Math.max(1, samples)) * 1e6).toFixed(1));
  return {
    server: per(before.server, after.server),
    generator: per(before.generator, after.generator),
    postgres: per(before.postgres, after.postgres),
  };
}
