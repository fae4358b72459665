/**
 * A libvirt domain in the protocol's terms: its Workload, the sample made from two readings of
 * its stats, and the event a state change is worth. Pure.
 * Memory: used = balloon.current - balloon.usable once the guest's balloon driver reports (the
 * memory the guest has minus what it could still use), else QEMU's RSS capped at balloon.current.
 * CPU: libvirt's cpu.time, all of the QEMU's threads (vCPUs and emulation), as for the qemu driver.
 */
import type { Sample, Workload } from "@flotilla/protocol";
import { counterDelta, sumRates } from "../../collectors/rates.js";
import type { DriverEvent } from "../driver.js";
import type { DomainStats } from "./virsh-parsers.js";

export interface DomainReading {
  /** performance.now() when read. */
  at: number;
  stats: DomainStats;
}

const MIN_SPAN_MS = 500;

export function toDomainWorkload(uuid: string, name: string, stats: DomainStats, startedAt?: number): Workload {
  const image = stats.diskPaths[0];
  const up = stats.state === "running" || stats.state === "paused";
  return {
    id: uuid,
    name,
    kind: "vm",
    driver: "libvirt",
    state: stats.state,
    ...(image ? { image } : {}),
    ...(stats.vcpus !== undefined ? { vcpus: stats.vcpus } : {}),
    ...(stats.maxMemoryBytes !== undefined ? { memoryBytes: stats.maxMemoryBytes } : {}),
    // libvirt's user networking has no host forwards (passt's are not read yet).
    ports: [],
    labels: {},
    ...(up && startedAt ? { startedAt } : {}),
  };
}

export function domainMemory(stats: DomainStats): { usedBytes: number; totalBytes: number } {
  const total = stats.currentMemoryBytes ?? stats.maxMemoryBytes ?? 0;
  if (stats.usableBytes !== undefined) return { usedBytes: Math.max(0, total - stats.usableBytes), totalBytes: total };
  return { usedBytes: Math.min(stats.rssBytes ?? 0, total), totalBytes: total };
}

export function domainSample(
  id: string,
  previous: DomainReading,
  current: DomainReading,
  ts: number,
): Sample | undefined {
  const seconds = (current.at - previous.at) / 1000;
  const [before, now] = [previous.stats, current.stats];
  if (seconds * 1000 < MIN_SPAN_MS || before.cpuTimeNs === undefined || now.cpuTimeNs === undefined) return undefined;
  const cpuCores = counterDelta(before.cpuTimeNs, now.cpuTimeNs, 64) / 1e9 / seconds;
  const disk = sumRates(before.block, now.block, seconds, 64);
  const net = sumRates(before.net, now.net, seconds, 64);
  const mem = domainMemory(now);
  return {
    ts,
    target: { kind: "vm", id },
    cpuCores,
    cpuRatio: Math.min(1, cpuCores / Math.max(1, now.vcpus ?? 1)),
    memUsedBytes: mem.usedBytes,
    memTotalBytes: mem.totalBytes,
    netRxBps: net.rx,
    netTxBps: net.tx,
    diskReadBps: disk.rx,
    diskWriteBps: disk.tx,
  };
}

/** The lifecycle events for what changed on a domain: defined, undefined, or a state change. */
export function lifecycleEvents(
  uuid: string,
  name: string,
  from: Workload["state"] | undefined,
  to: Workload["state"] | undefined,
): DriverEvent[] {
  const base = { workloadId: uuid };
  if (to === undefined) return [{ ...base, kind: "workload.removed", message: `${name} removed` }];
  if (from === undefined) {
    const created: DriverEvent = { ...base, kind: "workload.created", message: `${name} defined` };
    // A transient domain (virsh create) appears already running.
    return to === "running" ? [created, ...lifecycleEvents(uuid, name, "stopped", to)] : [created];
  }
  if (from === to) return [];
  const event = (kind: DriverEvent["kind"], what: string): DriverEvent[] => [
    { ...base, kind, message: `${name} ${what}` },
  ];
  switch (to) {
    case "running":
      return from === "paused" ? event("workload.resumed", "resumed") : event("workload.started", "started");
    case "paused":
      return event("workload.paused", "paused");
    case "stopped":
      return event("workload.stopped", "stopped");
    case "dead":
      return event("workload.exited", "crashed");
    default:
      return [];
  }
}
