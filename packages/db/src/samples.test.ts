import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropSamplePartitionsOlderThan, ensureSamplePartitions } from "./sample-partitions.js";
import {
  hostSeries,
  hostSparklines,
  latestHostSamples,
  latestWorkloadSamples,
  workloadSeries,
} from "./sample-queries.js";
import { lastCommittedSeq, type MetricSample, storeMetricBatch } from "./samples.js";
import { startTestDatabase, type TestDatabase } from "./testing.js";

let db: TestDatabase;
const NOW = Date.UTC(2026, 10, 29, 12, 0, 0); // 2026-11-29 12:00 UTC

beforeAll(async () => {
  db = await startTestDatabase();
  await ensureSamplePartitions(db.pool, { now: new Date(NOW) });
}, 60_000);
afterAll(async () => {
  await db?.stop();
});

function hostSample(ts: number, cpuRatio: number, extra: Partial<MetricSample> = {}): MetricSample {
  return {
    ts,
    workloadId: null,
    kind: "host",
    cpuCores: cpuRatio * 8,
    cpuRatio,
    memUsedBytes: 4e9,
    memTotalBytes: 16e9,
    netRxBps: 1000,
    netTxBps: 2000,
    diskReadBps: 300,
    diskWriteBps: 400,
    load1: 1.5,
    ...extra,
  };
}

function containerSample(ts: number, id: string, cpuCores: number): MetricSample {
  return { ...hostSample(ts, 0.99), kind: "container", workloadId: id, cpuCores, load1: null, memTotalBytes: null };
}

async function countRows(where: string, params: unknown[]): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM samples WHERE ${where}`, params);
  return rows[0]?.n ?? 0;
}

describe("sample partitions", () => {
  it("creates daily partitions once, from yesterday to three days ahead", async () => {
    const { rows } = await db.pool.query<{ name: string }>(
      "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'samples'::regclass ORDER BY 1",
    );
    expect(rows.map((r) => r.name)).toEqual([
      "samples_default",
      "samples_p20261128",
      "samples_p20261129",
      "samples_p20261130",
      "samples_p20261201",
      "samples_p20261202",
    ]);
    expect(await ensureSamplePartitions(db.pool, { now: new Date(NOW) })).toEqual([]);
  });

  it("puts each row in its day's partition, and moves default-partition rows when their day arrives", async () => {
    const hostId = randomUUID();
    const farFuture = Date.UTC(2026, 11, 20, 6, 0, 0);
    const samples = [hostSample(NOW - 13 * 3600_000, 0.1), hostSample(NOW, 0.2), hostSample(farFuture, 0.3)];
    await storeMetricBatch(db.pool, { agentId: randomUUID(), hostId, seq: 1, samples });

    const placement = async () =>
      (
        await db.pool.query<{ part: string; n: number }>(
          "SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM samples WHERE host_id = $1 GROUP BY 1 ORDER BY 1",
          [hostId],
        )
      ).rows;
    expect(await placement()).toEqual([
      { part: "samples_default", n: 1 },
      { part: "samples_p20261128", n: 1 },
      { part: "samples_p20261129", n: 1 },
    ]);

    expect(await ensureSamplePartitions(db.pool, { now: new Date(farFuture), daysAhead: 0, daysBehind: 0 })).toEqual([
      "samples_p20261220",
    ]);
    expect(await placement()).toEqual([
      { part: "samples_p20261128", n: 1 },
      { part: "samples_p20261129", n: 1 },
      { part: "samples_p20261220", n: 1 },
    ]);
  });

  it("drops partitions older than the retention and old rows of the default partition", async () => {
    const hostId = randomUUID();
    const longAgo = Date.UTC(2026, 9, 1);
    await storeMetricBatch(db.pool, { agentId: randomUUID(), hostId, seq: 1, samples: [hostSample(longAgo, 0.5)] });
    await ensureSamplePartitions(db.pool, { now: new Date(Date.UTC(2026, 10, 1)), daysAhead: 0, daysBehind: 0 });

    const dropped = await dropSamplePartitionsOlderThan(db.pool, 1, new Date(NOW));
    expect(dropped).toEqual(["samples_p20261101"]); // 2026-11-28 is yesterday: kept
    expect(await countRows("host_id = $1", [hostId])).toBe(0); // the default partition's old row went too
    expect(await dropSamplePartitionsOlderThan(db.pool, 1, new Date(NOW))).toEqual([]);
  });
});

describe("storeMetricBatch", () => {
  it("stores a batch once; the same seq again stores nothing and says duplicate", async () => {
    const agentId = randomUUID();
    const hostId = randomUUID();
    const samples = Array.from({ length: 500 }, (_, i) =>
      i % 2 === 0 ? hostSample(NOW - i * 1000, 0.5) : containerSample(NOW - i * 1000, `c${i % 7}`, 0.25),
    );
    expect(await lastCommittedSeq(db.pool, agentId)).toBe(0);

    expect(await storeMetricBatch(db.pool, { agentId, bootId: "boot-1", hostId, seq: 7, samples })).toEqual({
      duplicate: false,
    });
    expect(await countRows("agent_id = $1 AND seq = 7", [agentId])).toBe(500);
    expect(await lastCommittedSeq(db.pool, agentId)).toBe(7);

    expect(await storeMetricBatch(db.pool, { agentId, bootId: "boot-2", hostId, seq: 7, samples })).toEqual({
      duplicate: true,
    });
    expect(await countRows("agent_id = $1", [agentId])).toBe(500);

    // Same seq from another agent is a different batch.
    await storeMetricBatch(db.pool, { agentId: randomUUID(), hostId, seq: 7, samples: samples.slice(0, 3) });
    expect(await countRows("host_id = $1", [hostId])).toBe(503);
  });

  it("stores the values it was given, in the right columns", async () => {
    const agentId = randomUUID();
    const hostId = randomUUID();
    await storeMetricBatch(db.pool, { agentId, bootId: "b", hostId, seq: 1, samples: [hostSample(NOW + 123, 0.25)] });
    const { rows } = await db.pool.query(
      `SELECT (extract(epoch FROM ts) * 1000)::float8 AS ms, kind, workload_id, boot_id, seq::int, cpu_cores, cpu_ratio,
         mem_used_bytes, mem_total_bytes, net_rx_bps, net_tx_bps, disk_read_bps, disk_write_bps, load1
       FROM samples WHERE agent_id = $1`,
      [agentId],
    );
    expect(rows).toEqual([
      {
        ms: NOW + 123,
        kind: "host",
        workload_id: null,
        boot_id: "b",
        seq: 1,
        cpu_cores: 2,
        cpu_ratio: 0.25,
        mem_used_bytes: 4e9,
        mem_total_bytes: 16e9,
        net_rx_bps: 1000,
        net_tx_bps: 2000,
        disk_read_bps: 300,
        disk_write_bps: 400,
        load1: 1.5,
      },
    ]);
  });

  it("stores one copy when the same batch arrives on two connections at once", async () => {
    const agentId = randomUUID();
    const hostId = randomUUID();
    const batch = { agentId, hostId, seq: 3, samples: [hostSample(NOW, 0.1), hostSample(NOW - 1000, 0.2)] };
    const results = await Promise.all([storeMetricBatch(db.pool, batch), storeMetricBatch(db.pool, batch)]);
    expect(results.map((r) => r.duplicate).sort()).toEqual([false, true]);
    expect(await countRows("agent_id = $1", [agentId])).toBe(2);
  });

  it("stores nothing from a batch that fails, so the agent's resend is not taken for a duplicate", async () => {
    const agentId = randomUUID();
    const hostId = randomUUID();
    const bad = { ...hostSample(NOW, 0.1), workloadId: "oops" };
    await expect(storeMetricBatch(db.pool, { agentId, hostId, seq: 1, samples: [bad] })).rejects.toThrow(/kind "host"/);
    expect(await lastCommittedSeq(db.pool, agentId)).toBe(0);
    expect(await storeMetricBatch(db.pool, { agentId, hostId, seq: 1, samples: [hostSample(NOW, 0.1)] })).toEqual({
      duplicate: false,
    });
  });
});

describe("sample reads", () => {
  const hostId = randomUUID();
  const t0 = NOW - 600_000; // bucket-aligned: NOW is a whole hour

  beforeAll(async () => {
    const samples = [
      hostSample(t0, 0.2),
      hostSample(t0 + 30_000, 0.4),
      hostSample(t0 + 60_000, 0.6, { load1: 3 }),
      containerSample(t0 + 10_000, "web", 0.5),
      containerSample(t0 + 20_000, "web", 1.5),
      containerSample(t0 + 70_000, "db", 2),
    ];
    await storeMetricBatch(db.pool, { agentId: randomUUID(), hostId, seq: 1, samples });
  });

  it("hostSeries averages the host's own rows per bucket", async () => {
    const series = await hostSeries(db.pool, { hostId, from: t0, to: t0 + 120_000, bucketSeconds: 60 });
    expect(series.ts).toEqual([t0 / 1000, t0 / 1000 + 60]);
    expect(series.cpuRatio).toEqual([0.3, 0.6]);
    expect(series.load1).toEqual([1.5, 3]);
    expect(series.memTotalBytes).toEqual([16e9, 16e9]);
    expect(series.netRxBps).toEqual([1000, 1000]);

    const excludingEnd = await hostSeries(db.pool, { hostId, from: t0, to: t0 + 60_000, bucketSeconds: 60 });
    expect(excludingEnd.ts).toEqual([t0 / 1000]);
  });

  it("workloadSeries averages one workload's rows", async () => {
    const series = await workloadSeries(db.pool, {
      hostId,
      workloadId: "web",
      from: t0,
      to: t0 + 120_000,
      bucketSeconds: 60,
    });
    expect(series.ts).toEqual([t0 / 1000]);
    expect(series.cpuCores).toEqual([1]);
    expect(series.load1).toEqual([null]);
  });

  it("rejects a bucket too small for the range", async () => {
    await expect(hostSeries(db.pool, { hostId, from: 0, to: NOW, bucketSeconds: 1 })).rejects.toThrow(RangeError);
  });

  it("latest samples: newest host row per host and newest row per workload, within 10 minutes", async () => {
    const latest = await latestHostSamples(db.pool, [hostId, "unknown-host"], { now: t0 + 120_000 });
    expect(latest).toHaveLength(1);
    expect(latest[0]).toMatchObject({ hostId, workloadId: null, kind: "host", ts: t0 + 60_000, cpuRatio: 0.6 });

    expect(await latestHostSamples(db.pool, [hostId], { now: t0 + 60_000 + 11 * 60_000 })).toEqual([]);

    const workloads = await latestWorkloadSamples(db.pool, hostId, { now: t0 + 120_000 });
    expect(workloads.map((w) => [w.workloadId, w.ts, w.cpuCores])).toEqual([
      ["db", t0 + 70_000, 2],
      ["web", t0 + 20_000, 1.5],
    ]);
  });

  it("hostSparklines gives CPU ratio per bucket, oldest first, for every requested host", async () => {
    const lines = await hostSparklines(db.pool, [hostId, "quiet-host"], { minutes: 2, points: 2, now: t0 + 120_000 });
    expect(lines.get(hostId)).toEqual([0.3, 0.6]);
    expect(lines.get("quiet-host")).toEqual([]);
  });
});
