/**
 * Counters from the engine's one-shot stats (`GET /containers/{id}/stats?stream=false&one-shot=true`),
 * for containers whose cgroup files the agent cannot read (another PID or cgroup namespace).
 */
import type { ByteCounters } from "../../collectors/proc-parsers.js";
import type { ContainerCounters } from "./container-counters.js";

/** The parts of the stats document the driver reads; Docker and Podman both send these. */
export interface EngineStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: Record<string, number> | null };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }> | null;
  blkio_stats?: {
    io_service_bytes_recursive?: Array<{ major?: number; minor?: number; op?: string; value?: number }> | null;
  };
}

export interface StatsApiQuirks {
  /**
   * Podman before 4.4 reports the host side of the veth pair, so rx and tx are swapped
   * (containers/podman#16618, fixed by #16628).
   */
  swapNetDirections?: boolean;
}

export function countersFromStats(stats: EngineStats, quirks: StatsApiQuirks = {}): ContainerCounters {
  const cpuNs = stats.cpu_stats?.cpu_usage?.total_usage;
  if (cpuNs === undefined) throw new Error("stats: no cpu_stats.cpu_usage.total_usage");

  // As `docker stats`: cgroup v1 reports total_inactive_file, v2 inactive_file. Podman has
  // already taken the cache out and sends no breakdown.
  const usage = stats.memory_stats?.usage ?? 0;
  const breakdown = stats.memory_stats?.stats ?? {};
  const inactive = breakdown.total_inactive_file ?? breakdown.inactive_file;
  const memUsedBytes = inactive !== undefined && inactive < usage ? usage - inactive : usage;

  const net = new Map<string, ByteCounters>();
  for (const [name, n] of Object.entries(stats.networks ?? {})) {
    const rx = n.rx_bytes ?? 0;
    const tx = n.tx_bytes ?? 0;
    net.set(name, quirks.swapNetDirections ? { rx: tx, tx: rx } : { rx, tx });
  }

  const disk = new Map<string, ByteCounters>();
  for (const entry of stats.blkio_stats?.io_service_bytes_recursive ?? []) {
    const device = `${entry.major}:${entry.minor}`;
    const op = entry.op?.toLowerCase();
    const counters = disk.get(device) ?? { rx: 0, tx: 0 };
    if (op === "read") counters.rx += entry.value ?? 0;
    else if (op === "write") counters.tx += entry.value ?? 0;
    else continue;
    disk.set(device, counters);
  }
  return { cpuNs, memUsedBytes, net, disk };
}

/** Podman's engine version from `GET /version`, to decide its quirks; undefined for Docker. */
export function podmanQuirks(version: {
  Components?: Array<{ Name?: string; Version?: string }> | null;
  Version?: string;
}): StatsApiQuirks {
  const podman = version.Components?.find((c) => /podman/i.test(c.Name ?? ""));
  if (!podman) return {};
  const [major = 0, minor = 0] = (podman.Version ?? version.Version ?? "").split(".").map(Number);
  return { swapNetDirections: major < 4 || (major === 4 && minor < 4) };
}
