/** Pure translation of a metrics frame into the stored batch and the browser updates it causes. */
import type { MetricBatch, MetricSample } from "@flotilla/db";
import type { MetricsFrame, Sample } from "@flotilla/protocol";
import type { HostMetricsEvent, WorkloadMetricsEvent } from "../../shared/live-events.js";
import { memRatioOf } from "../fleet/host-rows.js";

export function toMetricBatch(
  frame: MetricsFrame,
  who: { agentId: string; hostId: string; bootId: string | null },
): MetricBatch {
  return {
    agentId: who.agentId,
    hostId: who.hostId,
    bootId: who.bootId,
    seq: frame.seq,
    samples: frame.samples.map(toMetricSample),
  };
}

function toMetricSample(s: Sample): MetricSample {
  return {
    ts: s.ts,
    workloadId: s.target.kind === "host" ? null : s.target.id,
    kind: s.target.kind,
    cpuCores: s.cpuCores,
    cpuRatio: s.cpuRatio ?? null,
    memUsedBytes: s.memUsedBytes,
    memTotalBytes: s.memTotalBytes ?? null,
    netRxBps: s.netRxBps,
    netTxBps: s.netTxBps,
    diskReadBps: s.diskReadBps,
    diskWriteBps: s.diskWriteBps,
    load1: s.load1 ?? null,
  };
}

/** The newest host sample of the batch as a `host:metrics` event (null when the batch has none). */
export function hostMetricsEvent(
  hostId: string,
  samples: readonly Sample[],
  memoryCapacity: number,
): HostMetricsEvent | null {
  let latest: Sample | null = null;
  for (const s of samples) if (s.target.kind === "host" && (!latest || s.ts >= latest.ts)) latest = s;
  if (!latest) return null;
  return {
    hostId,
    ts: latest.ts,
    cpuRatio: latest.cpuRatio ?? null,
    memRatio: memRatioOf(latest.memUsedBytes, latest.memTotalBytes ?? null, memoryCapacity),
    cpuCores: latest.cpuCores,
    memUsedBytes: latest.memUsedBytes,
    memTotalBytes: latest.memTotalBytes ?? null,
    netRxBps: latest.netRxBps,
    netTxBps: latest.netTxBps,
    diskReadBps: latest.diskReadBps,
    diskWriteBps: latest.diskWriteBps,
    load1: latest.load1 ?? null,
  };
}

/** The newest sample of each workload in the batch as one `workload:metrics` event (null when none). */
export function workloadMetricsEvent(hostId: string, samples: readonly Sample[]): WorkloadMetricsEvent | null {
  const newest = new Map<string, Sample & { target: { kind: "vm" | "container"; id: string } }>();
  for (const s of samples) {
    if (s.target.kind === "host") continue;
    const seen = newest.get(s.target.id);
    if (!seen || s.ts >= seen.ts)
      newest.set(s.target.id, s as Sample & { target: { kind: "vm" | "container"; id: string } });
  }
  if (newest.size === 0) return null;
  let ts = 0;
  const items: WorkloadMetricsEvent["items"] = [];
  for (const s of newest.values()) {
    ts = Math.max(ts, s.ts);
    items.push({
      externalId: s.target.id,
      kind: s.target.kind,
      cpuCores: s.cpuCores,
      memUsedBytes: s.memUsedBytes,
      netRxBps: s.netRxBps,
      netTxBps: s.netTxBps,
      diskReadBps: s.diskReadBps,
      diskWriteBps: s.diskWriteBps,
    });
  }
  return { hostId, ts, items };
}
