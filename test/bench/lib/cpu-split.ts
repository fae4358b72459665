// CPU seconds spent by the parts of the ingest benchmark, read from /proc: the server process,
// this process (the load generator, or the COPY client) and PostgreSQL (postmaster + backends).
import { readdirSync, readFileSync } from "node:fs";
import { CLOCK_TICKS, readProcess } from "./proc-usage.js";

export interface CpuSplit {
  server: number;
  generator: number;
  postgres: number;
}

/** Fields of /proc/PID/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/**
 * The postmaster's own CPU, its exited children's (cutime + cstime: backends that ended, e.g. an
 * idle pool client closed mid-run, which a sum over live processes would lose and so could even
 * go down), and its live children's.
 */
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
  const own = postmaster === undefined ? null : statFields(postmaster);
  if (!own) return Number.NaN;
  // utime, stime, cutime, cstime are fields 14-17 of stat, 11-14 here.
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const pid of pids) {
    const f = pid === postmaster ? null : statFields(pid);
    if (f && Number(f[1]) === postmaster) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / CLOCK_TICKS;
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
