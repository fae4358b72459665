/**
 * Pure parsers for the /proc files the qemu driver reads about a QEMU process: its CPU time and
 * resident memory, its start time, and its command line (to tell our QEMU from a recycled pid).
 */

/** Clock ticks per second of /proc times: USER_HZ, 100 on every mainstream Linux port. */
export const CLOCK_TICKS = 100;

export interface PidStat {
  /** R, S, D, Z (zombie), T, ... */
  state: string;
  /** User + system CPU time, in clock ticks. */
  cpuTicks: number;
  /** Process start, in clock ticks after boot. */
  startTicks: number;
}

/**
 * /proc/PID/stat. The command name (field 2) is in parentheses and may itself contain spaces or
 * parentheses, so fields are counted from the last ')'.
 */
export function parsePidStat(text: string): PidStat {
  const close = text.lastIndexOf(")");
  if (close < 0) throw new Error("/proc/PID/stat: no command name");
  // After ")": state(3) ppid(4) ... utime(14) stime(15) ... starttime(22)
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const at = (field: number) => Number(fields[field - 3]);
  const stat = {
    state: fields[0] ?? "?",
    cpuTicks: at(14) + at(15),
    startTicks: at(22),
  };
  if (!Number.isFinite(stat.cpuTicks + stat.startTicks)) throw new Error("/proc/PID/stat: unreadable");
  return stat;
}

/** /proc/PID/status `VmRSS` in bytes (the file states kB, whatever the page size). */
export function parseVmRss(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s*kB/m.exec(status);
  if (!m?.[1]) throw new Error("/proc/PID/status: no VmRSS");
  return Number(m[1]) * 1024;
}

/** /proc/stat `btime`: boot time in seconds since the epoch. */
export function parseBootTime(procStat: string): number {
  const m = /^btime\s+(\d+)/m.exec(procStat);
  if (!m?.[1]) throw new Error("/proc/stat: no btime");
  return Number(m[1]);
}

/** Epoch milliseconds at which a process started. */
export function processStartMs(stat: PidStat, bootTimeS: number): number {
  return Math.round(bootTimeS * 1000 + (stat.startTicks * 1000) / CLOCK_TICKS);
}

/** Whether a NUL-separated /proc/PID/cmdline is a QEMU started with `-uuid <uuid>`. */
export function isQemuFor(cmdline: string, uuid: string): boolean {
  const argv = cmdline.split("\0");
  const i = argv.indexOf("-uuid");
  return i > 0 && argv[i + 1]?.toLowerCase() === uuid.toLowerCase() && /qemu/.test(argv[0] ?? "");
}
