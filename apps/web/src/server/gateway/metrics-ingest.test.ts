import type { Sample } from "@flotilla/protocol";
import { describe, expect, it } from "vitest";
import { hostMetricsEvent, toMetricBatch, workloadMetricsEvent } from "./metrics-ingest.js";

const rates = { netRxBps: 1, netTxBps: 2, diskReadBps: 3, diskWriteBps: 4 };
const host = (ts: number, extra: Partial<Sample> = {}): Sample => ({
  ts,
  target: { kind: "host" },
  cpuCores: ts / 1000,
  memUsedBytes: 2e9,
  ...rates,
  ...extra,
});
const vm = (id: string, ts: number): Sample => ({
  ts,
  target: { kind: "vm", id },
  cpuCores: 0.5,
  memUsedBytes: 1e9,
  ...rates,
});

describe("toMetricBatch", () => {
  it("keys workload rows by the driver's id and host rows by null", () => {
    const batch = toMetricBatch(
      { type: "metrics", seq: 7, samples: [host(1000), vm("v1", 1000)] },
      { agentId: "a", hostId: "h", bootId: "b" },
    );
    expect(batch).toMatchObject({ agentId: "a", hostId: "h", bootId: "b", seq: 7 });
    expect(batch.samples.map((s) => [s.kind, s.workloadId])).toEqual([
      ["host", null],
      ["vm", "v1"],
    ]);
    expect(batch.samples[0]).toMatchObject({ cpuRatio: null, memTotalBytes: null, load1: null });
  });
});

describe("live events", () => {
  it("report the newest host sample, with memory use against the sample's total or else capacity", () => {
    const event = hostMetricsEvent("h", [host(3000, { memTotalBytes: 8e9 }), host(1000), vm("v1", 5000)], 4e9);
    expect(event).toMatchObject({ hostId: "h", ts: 3000, cpuCores: 3, memRatio: 0.25, memTotalBytes: 8e9 });
    expect(hostMetricsEvent("h", [host(1000)], 4e9)?.memRatio).toBe(0.5);
    expect(hostMetricsEvent("h", [host(1000)], 0)?.memRatio).toBeNull();
    expect(hostMetricsEvent("h", [vm("v1", 1)], 4e9)).toBeNull();
  });

  it("report each workload's newest sample once", () => {
    const event = workloadMetricsEvent("h", [vm("v1", 1000), vm("v2", 2000), vm("v1", 3000), host(4000)]);
    expect(event?.ts).toBe(3000);
    expect(event?.items.map((i) => i.externalId).sort()).toEqual(["v1", "v2"]);
    expect(workloadMetricsEvent("h", [host(1)])).toBeNull();
  });
});
