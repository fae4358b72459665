/**
 * Parsers for the cgroup files the docker driver reads per container, v1 and v2. Each takes a
 * file's text and returns plain numbers; the memory figure follows `docker stats` (usage minus
 * the inactive page cache, which the kernel reclaims first).
 */
import type { ByteCounters } from "../../collectors/proc-parsers.js";

/**
 * One key of a flat "key value" file (memory.stat of both versions, cpu.stat of v2), found in place: memory.stat is read every tick for every
 * container and the memory figure needs one of its ~40 lines, so no per-line strings or Map.
 * Undefined when the key is missing or its value is not a whole number.
 */
export function flatKeyedValue(text: string, key: string): number | undefined {
  for (let at = text.indexOf(key); at !== -1; at = text.indexOf(key, at + 1)) {
    if ((at > 0 && text.charCodeAt(at - 1) !== 10) || text.charCodeAt(at + key.length) !== 32) continue;
    let end = at + key.length + 1;
    let value = 0;
    for (let c = text.charCodeAt(end); c >= 48 && c <= 57; c = text.charCodeAt(++end)) value = value * 10 + c - 48;
    const next = text.charCodeAt(end);
    // A whole number ends the line (or the file); anything else (a sign, a dot) is not one.
    return end > at + key.length + 1 && (Number.isNaN(next) || next === 10 || next === 13 || next === 32)
      ? value
      : undefined;
  }
  return undefined;
}

function parseNumber(text: string, file: string): number {
  const n = Number(text.trim());
  if (!text.trim() || !Number.isFinite(n)) throw new Error(`${file}: not a number`);
  return n;
}

/** v1 cpuacct.usage: CPU time in nanoseconds. */
export function cpuNsV1(cpuacctUsage: string): number {
  return parseNumber(cpuacctUsage, "cpuacct.usage");
}

/** v2 cpu.stat: usage_usec, in nanoseconds. */
export function cpuNsV2(cpuStat: string): number {
  const usec = flatKeyedValue(cpuStat, "usage_usec");
  if (usec === undefined) throw new Error("cpu.stat: no usage_usec");
  return usec * 1000;
}

/**
 * Memory in use without reclaimable cache. v1: memory.usage_in_bytes minus total_inactive_file
 * (the hierarchical figure; docker uses it when present and smaller than the usage).
 */
export function memoryUsedV1(usageInBytes: string, memoryStat: string): number {
  const usage = parseNumber(usageInBytes, "memory.usage_in_bytes");
  const inactive = flatKeyedValue(memoryStat, "total_inactive_file");
  return inactive !== undefined && inactive < usage ? usage - inactive : usage;
}

/** v2: memory.current minus inactive_file. */
export function memoryUsedV2(memoryCurrent: string, memoryStat: string): number {
  const usage = parseNumber(memoryCurrent, "memory.current");
  const inactive = flatKeyedValue(memoryStat, "inactive_file");
  return inactive !== undefined && inactive < usage ? usage - inactive : usage;
}

/**
 * v1 blkio.throttle.io_service_bytes_recursive: "MAJ:MIN Read|Write|Sync|Async|Discard|Total N"
 * per device; bytes read (rx) and written (tx) per device. The throttle files count I/O at the
 * block layer whatever the I/O scheduler, which the CFQ/BFQ files do not.
 */
export function blkioBytesV1(text: string): Map<string, ByteCounters> {
  // Scanned in place, no per-line arrays: read every tick for every container (most hold only
  // "Total 0").
  const out = new Map<string, ByteCounters>();
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf("\n", start);
    const end = newline < 0 ? text.length : newline;
    const line = text.slice(start, end).trim();
    start = end + 1;
    const first = line.indexOf(" ");
    const second = line.indexOf(" ", first + 1);
    if (first < 0 || second < 0) continue;
    const device = line.slice(0, first);
    if (!DEVICE.test(device)) continue;
    const op = line.slice(first + 1, second);
    if (op !== "Read" && op !== "Write") continue;
    const bytes = Number(line.slice(second + 1));
    if (!Number.isFinite(bytes)) continue;
    let counters = out.get(device);
    if (!counters) {
      counters = { rx: 0, tx: 0 };
      out.set(device, counters);
    }
    if (op === "Read") counters.rx += bytes;
    else counters.tx += bytes;
  }
  return out;
}

const DEVICE = /^\d+:\d+$/;

/** v2 io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N ..." per device. */
export function ioBytesV2(text: string): Map<string, ByteCounters> {
  const out = new Map<string, ByteCounters>();
  for (const line of text.split("\n")) {
    const [device, ...pairs] = line.trim().split(/\s+/);
    if (!device || !/^\d+:\d+$/.test(device)) continue;
    const values = new Map(pairs.map((p) => p.split("=") as [string, string]));
    out.set(device, { rx: Number(values.get("rbytes") ?? 0) || 0, tx: Number(values.get("wbytes") ?? 0) || 0 });
  }
  return out;
}
