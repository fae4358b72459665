/**
 * Simulated usage as a pure function of (profile, time): slow daily-like waves plus smooth noise,
 * so consecutive samples change gradually and the same seed always gives the same numbers.
 */
import type { Sample } from "@flotilla/protocol";
import type { SimHostModel, SimWorkload } from "./host-model.js";
import { smoothNoise, wave } from "./random.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A factor around 1 that drifts over minutes and hours. */
function drift(seed: number, ts: number, depth: number): number {
  const slow = wave(seed, ts, 6 * HOUR) * 0.5 + wave(seed + 1, ts, 47 * MINUTE) * 0.3;
  const jitter = smoothNoise(seed + 2, ts, MINUTE) - 0.5;
  return Math.max(0, 1 + depth * (slow + jitter));
}

/** The workload's sample at `ts`, or undefined when it is not running (a paused one still holds memory). */
export function sampleWorkload({ workload, profile }: SimWorkload, ts: number): Sample | undefined {
  if (workload.state !== "running" && workload.state !== "paused") return undefined;
  const capacity = workload.vcpus ?? 1;
  const memTotal = workload.memoryBytes ?? 0;
  const memUsedBytes = Math.round(memTotal * Math.min(0.98, profile.memUsed * drift(profile.seed + 10, ts, 0.15)));
  if (workload.state === "paused") {
    return zeroActivity(workload.kind, workload.id, ts, memUsedBytes, memTotal);
  }
  let busy = profile.cpuBusy * drift(profile.seed, ts, 0.6);
  // Bursty workloads sometimes run flat out for a few minutes (a build, a batch job).
  if (profile.bursty && smoothNoise(profile.seed + 3, ts, 5 * MINUTE) > 0.8) busy = 0.9;
  busy = Math.min(1, busy);
  const rx = profile.netRxBps * drift(profile.seed + 20, ts, 0.8);
  return {
    ts,
    target: { kind: workload.kind, id: workload.id },
    cpuCores: busy * capacity,
    cpuRatio: busy,
    memUsedBytes,
    memTotalBytes: memTotal,
    netRxBps: Math.round(rx),
    netTxBps: Math.round(rx * profile.txPerRx),
    diskReadBps: Math.round(profile.diskReadBps * drift(profile.seed + 30, ts, 0.9)),
    diskWriteBps: Math.round(profile.diskWriteBps * drift(profile.seed + 40, ts, 0.9)),
  };
}

function zeroActivity(kind: "vm" | "container", id: string, ts: number, used: number, total: number): Sample {
  return {
    ts,
    target: { kind, id },
    cpuCores: 0,
    cpuRatio: 0,
    memUsedBytes: used,
    memTotalBytes: total,
    netRxBps: 0,
    netTxBps: 0,
    diskReadBps: 0,
    diskWriteBps: 0,
  };
}

/** The host's own sample: its workloads' sum plus overhead, capped at capacity. */
export function sampleSimHost(model: SimHostModel, workloads: readonly Sample[], ts: number): Sample {
  let cpu = model.overheadCores * drift(model.seed + 50, ts, 0.3);
  let mem = model.overheadMemBytes;
  let rx = 0;
  let tx = 0;
  let read = 0;
  let write = 0;
  for (const s of workloads) {
    cpu += s.cpuCores;
    mem += s.memUsedBytes;
    rx += s.netRxBps;
    tx += s.netTxBps;
    read += s.diskReadBps;
    write += s.diskWriteBps;
  }
  cpu = Math.min(model.cores, cpu);
  return {
    ts,
    target: { kind: "host" },
    cpuCores: cpu,
    cpuRatio: cpu / model.cores,
    memUsedBytes: Math.min(model.memoryBytes, mem),
    memTotalBytes: model.memoryBytes,
    // Host traffic: the workloads' plus a little of its own (management, replication, logs).
    netRxBps: Math.round(rx * 1.02 + 20_000),
    netTxBps: Math.round(tx * 1.02 + 10_000),
    diskReadBps: Math.round(read + 5_000),
    diskWriteBps: Math.round(write * 1.05 + 50_000),
    load1: Math.round(cpu * (1 + 0.1 * smoothNoise(model.seed + 60, ts, 30_000)) * 100) / 100,
  };
}
