/**
 * One VM's counters and the sample made from two readings of them. Where each figure comes from:
 * - CPU: the QEMU process's utime+stime (/proc/PID/stat). `query-stats` is empty without KVM,
 *   and the process time is what the host pays: vCPU threads plus emulation and I/O threads.
 * - Disk: `query-blockstats`, bytes read/written per block device since QEMU started.
 * - Memory: with a virtio-balloon, the guest's own figures: used = balloon `actual` (what the
 *   guest has) - the guest's available memory; until the guest reports, and without a balloon,
 *   the process RSS (capped at the guest's size: RSS also holds QEMU's own heap and TCG cache).
 * - Network: tap devices' host-side counters (/sys/class/net/<tap>/statistics), directions
 *   swapped to the guest's view. User-mode (slirp) networking runs inside QEMU and exposes no
 *   byte counters (neither QMP nor /proc can tell its traffic apart), so it reports 0.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Sample } from "@flotilla/protocol";
import type { ByteCounters } from "../../collectors/proc-parsers.js";
import { counterDelta, sumRates } from "../../collectors/rates.js";
import { CLOCK_TICKS, parsePidStat, parseVmRss } from "./proc-pid.js";
import { BALLOON_QOM_PATH } from "./qemu-args.js";
import type { QmpClient } from "./qmp-client.js";
import { hasBalloon, type VmDefinition } from "./vm-definition.js";

export interface VmReading {
  /** performance.now() when read. */
  at: number;
  cpuTicks: number;
  block: Map<string, ByteCounters>;
  /** rx = received by the guest. */
  net: Map<string, ByteCounters>;
  memUsedBytes: number;
  memTotalBytes: number;
}

/** Readings closer together than this give rates too noisy to report (CPU ticks are 10 ms). */
const MIN_SPAN_MS = 500;

/** Bytes read (rx) and written (tx) per block device, from `query-blockstats`. */
export function blockCounters(blockstats: unknown): Map<string, ByteCounters> {
  const result = new Map<string, ByteCounters>();
  if (!Array.isArray(blockstats)) return result;
  blockstats.forEach((entry: Record<string, unknown>, i) => {
    const stats = entry?.stats as { rd_bytes?: unknown; wr_bytes?: unknown } | undefined;
    if (typeof stats?.rd_bytes !== "number" || typeof stats.wr_bytes !== "number") return;
    const key = String(entry.device || entry.qdev || entry["node-name"] || i);
    result.set(key, { rx: stats.rd_bytes, tx: stats.wr_bytes });
  });
  return result;
}

/**
 * The guest's available memory from the balloon's `guest-stats` (qom-get), or undefined before the
 * guest driver has reported (last-update 0) or when it reports no figure (-1 or missing).
 */
export function guestAvailableBytes(guestStats: unknown): number | undefined {
  const value = guestStats as { stats?: Record<string, unknown>; "last-update"?: unknown } | undefined;
  if (!value?.stats || !(Number(value["last-update"]) > 0)) return undefined;
  for (const key of ["stat-available-memory", "stat-free-memory"]) {
    const n = value.stats[key];
    if (typeof n === "number" && n >= 0) return n;
  }
  return undefined;
}

/** Memory used and total, by the rules in this file's header. */
export function vmMemory(
  guestBytes: number,
  rssBytes: number,
  balloonActual: number | undefined,
  available: number | undefined,
): { usedBytes: number; totalBytes: number } {
  const total = balloonActual ?? guestBytes;
  if (balloonActual !== undefined && available !== undefined)
    return { usedBytes: Math.max(0, balloonActual - available), totalBytes: total };
  return { usedBytes: Math.min(rssBytes, total), totalBytes: total };
}

/** A sample for the span between two readings; undefined when the span is too short to tell. */
export function vmSample(
  id: string,
  vcpus: number,
  previous: VmReading,
  current: VmReading,
  ts: number,
): Sample | undefined {
  const seconds = (current.at - previous.at) / 1000;
  if (seconds * 1000 < MIN_SPAN_MS) return undefined;
  const cpuCores = counterDelta(previous.cpuTicks, current.cpuTicks, 64) / CLOCK_TICKS / seconds;
  const disk = sumRates(previous.block, current.block, seconds, 64);
  const net = sumRates(previous.net, current.net, seconds);
  return {
    ts,
    target: { kind: "vm", id },
    cpuCores,
    cpuRatio: Math.min(1, cpuCores / Math.max(1, vcpus)),
    memUsedBytes: current.memUsedBytes,
    memTotalBytes: current.memTotalBytes,
    netRxBps: net.rx,
    netTxBps: net.tx,
    diskReadBps: disk.rx,
    diskWriteBps: disk.tx,
  };
}

async function readTapCounters(sysRoot: string, ifname: string): Promise<Map<string, ByteCounters>> {
  const dir = join(sysRoot, "class/net", ifname, "statistics");
  try {
    const [rx, tx] = await Promise.all([
      readFile(join(dir, "rx_bytes"), "utf8"),
      readFile(join(dir, "tx_bytes"), "utf8"),
    ]);
    // The host receives on the tap what the guest sends, and the other way round.
    return new Map([[ifname, { rx: Number(tx), tx: Number(rx) }]]);
  } catch {
    return new Map(); // the tap is gone (VM stopping): no traffic to count this tick
  }
}

export interface ReadOptions {
  procRoot: string;
  sysRoot: string;
}

/** Reads one VM's counters: /proc for CPU and RSS, QMP for disks and the balloon, /sys for a tap. */
export async function readVmCounters(
  def: VmDefinition,
  pid: number,
  qmp: QmpClient,
  { procRoot, sysRoot }: ReadOptions,
): Promise<VmReading> {
  const balloon = hasBalloon(def);
  const [stat, status, blockstats, balloonInfo, guestStats, net] = await Promise.all([
    readFile(join(procRoot, String(pid), "stat"), "utf8"),
    readFile(join(procRoot, String(pid), "status"), "utf8"),
    qmp.execute("query-blockstats"),
    balloon ? qmp.execute<{ actual: number }>("query-balloon").catch(() => undefined) : undefined,
    balloon
      ? qmp.execute("qom-get", { path: BALLOON_QOM_PATH, property: "guest-stats" }).catch(() => undefined)
      : undefined,
    def.network.mode === "tap" ? readTapCounters(sysRoot, def.network.ifname) : new Map<string, ByteCounters>(),
  ]);
  const mem = vmMemory(
    def.memoryMiB * 1024 * 1024,
    parseVmRss(status),
    balloonInfo?.actual,
    guestAvailableBytes(guestStats),
  );
  return {
    at: performance.now(),
    cpuTicks: parsePidStat(stat).cpuTicks,
    block: blockCounters(blockstats),
    net,
    memUsedBytes: mem.usedBytes,
    memTotalBytes: mem.totalBytes,
  };
}
