/**
 * One reading of a container's cumulative counters, however it was taken (cgroup files or the
 * engine's stats API), and the sample two readings make: rates over the actual time between
 * them, through the same counter arithmetic as the host collector.
 */
import type { Sample } from "@flotilla/protocol";
import type { ByteCounters } from "../../collectors/proc-parsers.js";
import { counterDelta, sumRates } from "../../collectors/rates.js";

export interface ContainerCounters {
  /** CPU time used by the container so far, in nanoseconds. */
  cpuNs: number;
  /** Memory in use now, without reclaimable cache. */
  memUsedBytes: number;
  /** Bytes received (rx) and sent (tx), per interface inside the container. */
  net: Map<string, ByteCounters>;
  /** Bytes read (rx) and written (tx), per block device ("major:minor"). */
  disk: Map<string, ByteCounters>;
}

export interface Reading {
  /** performance.now() when read: rates use the real span, not the nominal interval. */
  at: number;
  counters: ContainerCounters;
}

export interface ContainerLimits {
  vcpus?: number;
  memoryBytes?: number;
}

/** The sample for the span between two readings of the same container process. */
export function containerSample(
  ts: number,
  id: string,
  previous: Reading,
  current: Reading,
  limits: ContainerLimits = {},
): Sample {
  const seconds = (current.at - previous.at) / 1000;
  const cpuCores = seconds > 0 ? counterDelta(previous.counters.cpuNs, current.counters.cpuNs, 64) / 1e9 / seconds : 0;
  const net = sumRates(previous.counters.net, current.counters.net, seconds, 64);
  const disk = sumRates(previous.counters.disk, current.counters.disk, seconds, 64);
  const sample: Sample = {
    ts,
    target: { kind: "container", id },
    cpuCores,
    memUsedBytes: current.counters.memUsedBytes,
    netRxBps: net.rx,
    netTxBps: net.tx,
    diskReadBps: disk.rx,
    diskWriteBps: disk.tx,
  };
  if (limits.vcpus) sample.cpuRatio = Math.min(1, cpuCores / limits.vcpus);
  if (limits.memoryBytes) sample.memTotalBytes = limits.memoryBytes;
  return sample;
}
