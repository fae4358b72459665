import { describe, expect, it } from "vitest";
import type { HostMetricsEvent, HostStatusEvent } from "@/shared/live-events";
import type { HostMetrics, HostRow } from "./api-types";
import {
  appendHostSample,
  appendWorkloadSample,
  appendWorkloadSparks,
  applyHostMetrics,
  applyHostStatus,
  insertGaps,
  SPARK_POINTS,
  summariseHosts,
  WORKLOAD_SPARK_POINTS,
} from "./fleet-live";

const GiB = 1024 ** 3;
const T0 = Date.UTC(2025, 10, 29, 12, 0, 0);

function host(id: string, over: Partial<HostRow> = {}): HostRow {
  return {
    id,
    name: id,
    teamId: "team-default",
    teamName: "Default",
    status: "online",
    simulated: true,
    cpuCores: 8,
    memoryBytes: 16 * GiB,
    agentVersion: "0.1.0",
    lastSeenAt: new Date(T0).toISOString(),
    vmCount: 1,
    containerCount: 2,
    now: { ts: T0, cpuRatio: 0.1, memRatio: 0.2 },
    spark: [0.1, 0.1],
    ...over,
  };
}

function tick(hostId: string, ts: number, cpuRatio: number | null = 0.5): HostMetricsEvent {
  return {
    hostId,
    ts,
    cpuRatio,
    memRatio: 0.25,
    cpuCores: 4,
    memUsedBytes: 4 * GiB,
    memTotalBytes: 16 * GiB,
    netRxBps: 100,
    netTxBps: 200,
    diskReadBps: 300,
    diskWriteBps: 400,
    load1: 1.5,
  };
}

function emptySeries(): HostMetrics {
  return {
    ts: [],
    cpuCores: [],
    cpuRatio: [],
    memUsedBytes: [],
    memTotalBytes: [],
    netRxBps: [],
    netTxBps: [],
    diskReadBps: [],
    diskWriteBps: [],
    load1: [],
  };
}

describe("applyHostMetrics", () => {
  it("updates only the hosts that reported and keeps the others' identity", () => {
    const a = host("a");
    const b = host("b");
    const next = applyHostMetrics([a, b], new Map([["b", tick("b", T0 + 61_000, 0.9)]]));
    expect(next[0]).toBe(a);
    expect(next[1]).not.toBe(b);
    expect(next[1]?.now).toEqual({ ts: T0 + 61_000, cpuRatio: 0.9, memRatio: 0.25 });
    expect(next[1]?.lastSeenAt).toBe(new Date(T0 + 61_000).toISOString());
  });

  it("returns the same array when nothing changed", () => {
    const rows = [host("a")];
    expect(applyHostMetrics(rows, new Map())).toBe(rows);
    expect(applyHostMetrics(rows, new Map([["zzz", tick("zzz", T0)]]))).toBe(rows);
  });

  it("moves the newest sparkline point within a minute and appends in a new minute", () => {
    const rows = [host("a", { now: { ts: T0 + 1_000, cpuRatio: 0.1, memRatio: 0.2 }, spark: [0.1, 0.2] })];
    const sameMinute = applyHostMetrics(rows, new Map([["a", tick("a", T0 + 30_000, 0.7)]]));
    expect(sameMinute[0]?.spark).toEqual([0.1, 0.7]);
    const nextMinute = applyHostMetrics(sameMinute, new Map([["a", tick("a", T0 + 65_000, 0.4)]]));
    expect(nextMinute[0]?.spark).toEqual([0.1, 0.7, 0.4]);
  });

  it("caps the sparkline length and ignores missing CPU figures", () => {
    const full = Array.from({ length: SPARK_POINTS }, () => 0.1);
    const rows = [host("a", { spark: full })];
    const grown = applyHostMetrics(rows, new Map([["a", tick("a", T0 + 120_000, 0.9)]]));
    expect(grown[0]?.spark).toHaveLength(SPARK_POINTS);
    expect(grown[0]?.spark.at(-1)).toBe(0.9);
    const blank = applyHostMetrics(rows, new Map([["a", tick("a", T0 + 120_000, null)]]));
    expect(blank[0]?.spark).toBe(full);
  });
});

describe("applyHostStatus", () => {
  it("changes the status and clears the figures of a host that went offline", () => {
    const e: HostStatusEvent = { hostId: "a", status: "offline", lastSeenAt: new Date(T0 + 5_000).toISOString() };
    const [row] = applyHostStatus([host("a")], new Map([["a", e]]));
    expect(row?.status).toBe("offline");
    expect(row?.now).toBeNull();
    expect(row?.lastSeenAt).toBe(e.lastSeenAt);
  });

  it("leaves rows alone when the status is unchanged", () => {
    const rows = [host("a")];
    const e: HostStatusEvent = { hostId: "a", status: "online", lastSeenAt: rows[0]?.lastSeenAt ?? null };
    expect(applyHostStatus(rows, new Map([["a", e]]))).toBe(rows);
  });
});

describe("appendHostSample", () => {
  it("adds a new bucket and fills every column, even ones the event lacks", () => {
    const series = appendHostSample(emptySeries(), tick("a", T0), "1h");
    expect(series.ts).toEqual([T0 / 1000]);
    expect(series.cpuRatio).toEqual([0.5]);
    expect(series.netTxBps).toEqual([200]);
    for (const column of Object.values(series)) expect(column).toHaveLength(1);
  });

  it("folds a sample into the newest bucket when it falls inside it", () => {
    const first = appendHostSample(emptySeries(), tick("a", T0, 0.2), "24h");
    const second = appendHostSample(first, tick("a", T0 + 30_000, 0.6), "24h");
    expect(second.ts).toEqual([T0 / 1000]);
    expect(second.cpuRatio).toEqual([0.6]);
    const third = appendHostSample(second, tick("a", T0 + 60_000, 0.8), "24h");
    expect(third.ts).toEqual([T0 / 1000, T0 / 1000 + 60]);
  });

  it("ignores samples older than the newest bucket", () => {
    const series = appendHostSample(emptySeries(), tick("a", T0 + 10_000), "1h");
    expect(appendHostSample(series, tick("a", T0), "1h")).toBe(series);
  });

  it("drops buckets that slid out of the window", () => {
    let series = appendHostSample(emptySeries(), tick("a", T0), "1h");
    series = appendHostSample(series, tick("a", T0 + 3_600_000 + 5_000), "1h");
    expect(series.ts).toEqual([(T0 + 3_605_000) / 1000]);
    expect(series.load1).toHaveLength(1);
  });
});

function item(externalId: string, cpuCores: number, kind: "vm" | "container" = "container") {
  return { externalId, kind, cpuCores, memUsedBytes: GiB, netRxBps: 1, netTxBps: 2, diskReadBps: 3, diskWriteBps: 4 };
}

describe("appendWorkloadSample", () => {
  it("adds the workload's figures and nulls for host-only columns", () => {
    const series = appendWorkloadSample(emptySeries(), T0, item("c1", 0.75), "1h");
    expect(series.ts).toEqual([T0 / 1000]);
    expect(series.cpuCores).toEqual([0.75]);
    expect(series.memUsedBytes).toEqual([GiB]);
    expect(series.diskWriteBps).toEqual([4]);
    expect(series.cpuRatio).toEqual([null]);
    expect(series.load1).toEqual([null]);
  });

  it("replaces the newest bucket's value with a later tick in the same bucket", () => {
    const first = appendWorkloadSample(emptySeries(), T0, item("c1", 0.2), "24h");
    const second = appendWorkloadSample(first, T0 + 20_000, item("c1", 0.4), "24h");
    expect(second.cpuCores).toEqual([0.4]);
  });
});

describe("appendWorkloadSparks", () => {
  it("adds each workload's CPU as a share of its capacity, keyed by kind and id", () => {
    const capacity = new Map([
      ["container:c1", 2],
      ["vm:v1", 4],
    ]);
    const sparks = appendWorkloadSparks(
      new Map(),
      [item("c1", 1), item("v1", 1, "vm")],
      (k) => capacity.get(k) ?? null,
    );
    expect(sparks.get("container:c1")).toEqual([0.5]);
    expect(sparks.get("vm:v1")).toEqual([0.25]);
  });

  it("keeps the newest points only and leaves absent or unknown workloads alone", () => {
    let sparks: Map<string, readonly number[]> = new Map([["container:gone", [0.1]]]);
    for (let i = 0; i < WORKLOAD_SPARK_POINTS + 5; i++) {
      sparks = appendWorkloadSparks(sparks, [item("c1", i), item("stranger", 1)], (k) =>
        k === "container:c1" ? 100 : null,
      );
    }
    const c1 = sparks.get("container:c1") ?? [];
    expect(c1).toHaveLength(WORKLOAD_SPARK_POINTS);
    expect(c1.at(-1)).toBeCloseTo((WORKLOAD_SPARK_POINTS + 4) / 100);
    expect(sparks.get("container:gone")).toEqual([0.1]);
    expect(sparks.has("container:stranger")).toBe(false);
  });
});

describe("insertGaps", () => {
  it("breaks the line where samples are missing", () => {
    const out = insertGaps({ ts: [0, 5, 10, 60, 65], v: [1, 2, 3, 4, 5] }, 15);
    expect(out.ts).toEqual([0, 5, 10, 11, 60, 65]);
    expect(out.v).toEqual([1, 2, 3, null, 4, 5]);
  });

  it("returns the input untouched when there is no gap", () => {
    const input = { ts: [0, 5, 10], v: [1, 2, 3] };
    expect(insertGaps(input, 15)).toBe(input);
  });
});

describe("summariseHosts", () => {
  it("counts statuses and sums use over reachable hosts only", () => {
    const s = summariseHosts([
      host("a", { cpuCores: 10, memoryBytes: 10 * GiB, now: { ts: T0, cpuRatio: 0.5, memRatio: 0.5 } }),
      host("b", { status: "maintenance", cpuCores: 10, memoryBytes: 10 * GiB, now: null }),
      host("c", { status: "offline", cpuCores: 100, memoryBytes: 100 * GiB }),
    ]);
    expect(s.hosts).toEqual({ online: 1, offline: 1, maintenance: 1, total: 3 });
    expect(s.cpu).toEqual({ usedCores: 5, totalCores: 20 });
    expect(s.memory).toEqual({ usedBytes: 5 * GiB, totalBytes: 20 * GiB });
  });
});
