import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pickBucketSeconds, pickTier, readHistory } from "./sample-history.js";
import { dropSamplePartitionsOlderThan, ensureSamplePartitions } from "./sample-partitions.js";
import {
  bucketStart,
  catchUpRollup,
  pruneHourlyRollups,
  redoMarkedHours,
  rollupDoneUntil,
  rollupRange,
} from "./sample-rollups.js";
import { type MetricSample, storeMetricBatch } from "./samples.js";
import { startTestDatabase, type TestDatabase } from "./testing.js";

let db: TestDatabase;
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
let seq = 0;

beforeAll(async () => {
  db = await startTestDatabase();
  for (const table of ["samples", "samples_1m"] as const) {
    await ensureSamplePartitions(db.pool, { now: new Date(NOW), daysBehind: 3, table });
  }
}, 60_000);
afterAll(async () => {
  await db?.stop();
});

function sample(ts: number, cpuCores: number, workloadId: string | null = null): MetricSample {
  return {
    ts,
    workloadId,
    kind: workloadId === null ? "host" : "container",
    cpuCores,
    cpuRatio: workloadId === null ? cpuCores / 8 : null,
    memUsedBytes: cpuCores * 1e9,
    memTotalBytes: 16e9,
    netRxBps: 10,
    netTxBps: 20,
    diskReadBps: 30,
    diskWriteBps: 40,
    load1: null,
  };
}

async function store(hostId: string, samples: MetricSample[]) {
  seq += 1;
  await storeMetricBatch(db.pool, { agentId: `agent-${hostId}`, hostId, seq, samples });
}

async function tierRows(table: string, hostId: string) {
  const { rows } = await db.pool.query(
    `SELECT extract(epoch FROM ts)::float8 * 1000 AS ts, workload_id, kind, n, cpu_cores_avg, cpu_cores_min,
       cpu_cores_max, cpu_ratio_avg, mem_used_bytes_avg, load1_avg
     FROM ${table} WHERE host_id = $1 ORDER BY ts, workload_id NULLS FIRST`,
    [hostId],
  );
  return rows;
}

describe("1-minute rollups", () => {
  it("holds avg, min and max per series and minute, and re-running a bucket gives the same rows", async () => {
    const host = randomUUID();
    const t0 = NOW - 2 * HOUR;
    await store(host, [sample(t0, 1), sample(t0 + 20_000, 2), sample(t0 + 40_000, 6), sample(t0 + 10_000, 4, "c1")]);
    await store(host, [sample(t0 + 60_000, 3)]);
    const written = await rollupRange(db.pool, "1m", new Date(t0), new Date(t0 + 2 * 60_000));
    expect(written).toBe(3);
    const first = await tierRows("samples_1m", host);
    expect(first).toEqual([
      expect.objectContaining({ ts: t0, workload_id: null, kind: "host", n: 3, cpu_cores_avg: 3, cpu_cores_min: 1 }),
      expect.objectContaining({ ts: t0, workload_id: "c1", kind: "container", n: 1, cpu_cores_avg: 4 }),
      expect.objectContaining({ ts: t0 + 60_000, workload_id: null, n: 1, cpu_cores_max: 3 }),
    ]);
    expect(first[0]).toMatchObject({
      cpu_cores_max: 6,
      cpu_ratio_avg: 0.375,
      mem_used_bytes_avg: 3e9,
      load1_avg: null,
    });

    await rollupRange(db.pool, "1m", new Date(t0), new Date(t0 + 2 * 60_000));
    expect(await tierRows("samples_1m", host)).toEqual(first);
  });

  it("picks up a batch that arrives late for a minute already rolled up when that minute is redone", async () => {
    const host = randomUUID();
    const t0 = NOW - 3 * HOUR;
    await store(host, [sample(t0, 2)]);
    await rollupRange(db.pool, "1m", new Date(t0), new Date(t0 + 60_000));
    await store(host, [sample(t0 + 30_000, 4)]);
    await rollupRange(db.pool, "1m", new Date(t0), new Date(t0 + 60_000));
    expect(await tierRows("samples_1m", host)).toEqual([expect.objectContaining({ n: 2, cpu_cores_avg: 3 })]);
  });
});

describe("1-hour rollups", () => {
  it("weights each minute's average by its raw rows and keeps the extremes", async () => {
    const host = randomUUID();
    const t0 = NOW - 26 * HOUR;
    // Minute one: three samples averaging 2. Minute two: one sample of 10. Raw mean: 16 / 4 = 4.
    await store(host, [sample(t0, 1), sample(t0 + 1000, 2), sample(t0 + 2000, 3), sample(t0 + 60_000, 10)]);
    await rollupRange(db.pool, "1m", new Date(t0), new Date(t0 + HOUR));
    await rollupRange(db.pool, "1h", new Date(t0), new Date(t0 + HOUR));
    const hourly = await tierRows("samples_1h", host);
    expect(hourly).toEqual([
      expect.objectContaining({ ts: t0, n: 4, cpu_cores_avg: 4, cpu_cores_min: 1, cpu_cores_max: 10 }),
    ]);
    await rollupRange(db.pool, "1h", new Date(t0), new Date(t0 + HOUR));
    expect(await tierRows("samples_1h", host)).toEqual(hourly);
  });
});

describe("catching up", () => {
  it("rolls closed buckets only, moves the mark, and never runs the hour tier past the minute tier", async () => {
    const now = new Date(NOW + 30_000);
    const one = await catchUpRollup(db.pool, "1m", { now, firstRunSeconds: 30 * 3600 });
    // The newest minute (11:59) is not settled yet at 12:00:30 with a 60 s settle time.
    expect(one.to.getTime()).toBe(NOW - 60_000);
    expect(await rollupDoneUntil(db.pool, "1m")).toBe(NOW - 60_000);
    const hour = await catchUpRollup(db.pool, "1h", { now: new Date(NOW + 2 * HOUR), firstRunSeconds: 30 * 3600 });
    expect(hour.to.getTime()).toBe(NOW - HOUR);
    // A second run redoes the recent buckets and leaves the mark where it was.
    await catchUpRollup(db.pool, "1m", { now });
    expect(await rollupDoneUntil(db.pool, "1m")).toBe(NOW - 60_000);
  });
});

describe("late samples", () => {
  it("marks the hours of samples stored long after they were taken, and the jobs redo those hours", async () => {
    const host = randomUUID();
    const other = randomUUID();
    const hour = bucketStart("1h", Date.now() - 3 * HOUR);
    await store(host, [sample(hour + 60_000, 2)]);
    await store(other, [sample(hour + 60_000, 7)]);
    await rollupRange(db.pool, "1m", new Date(hour), new Date(hour + HOUR));
    await rollupRange(db.pool, "1h", new Date(hour), new Date(hour + HOUR));
    await db.pool.query("DELETE FROM metric_rollup_dirty");
    // Another host's raw rows of that hour are gone: a redo of the late host must not touch its rollups.
    await db.pool.query("DELETE FROM samples WHERE host_id = $1", [other]);
    // The agent's spool arrives hours later, after both tiers were made for that hour.
    await store(host, [sample(hour + 60_000 + 500, 4)]);
    const { rows: marked } = await db.pool.query<{ tier: string; ms: number; host_id: string }>(
      "SELECT tier, (extract(epoch FROM hour) * 1000)::float8 AS ms, host_id FROM metric_rollup_dirty ORDER BY tier",
    );
    expect(marked).toEqual([
      { tier: "1h", ms: hour, host_id: host },
      { tier: "1m", ms: hour, host_id: host },
    ]);
    // The hour tier waits until the minutes are redone.
    expect(await redoMarkedHours(db.pool, "1h")).toBe(0);
    expect(await redoMarkedHours(db.pool, "1m")).toBe(1);
    expect(await redoMarkedHours(db.pool, "1h")).toBe(1);
    expect(await tierRows("samples_1m", host)).toEqual([expect.objectContaining({ n: 2, cpu_cores_avg: 3 })]);
    expect(await tierRows("samples_1h", host)).toEqual([expect.objectContaining({ n: 2, cpu_cores_avg: 3 })]);
    expect((await db.pool.query("SELECT 1 FROM metric_rollup_dirty")).rowCount).toBe(0);
    expect(await tierRows("samples_1m", other)).toEqual([expect.objectContaining({ n: 1, cpu_cores_avg: 7 })]);
    expect(await tierRows("samples_1h", other)).toEqual([expect.objectContaining({ n: 1, cpu_cores_avg: 7 })]);
  });
});

describe("history tiers", () => {
  it("picks raw rows up to 6 h, minutes up to 7 d and hours beyond, within the point budget", () => {
    expect(pickTier(HOUR)).toBe("raw");
    expect(pickTier(6 * HOUR)).toBe("raw");
    expect(pickTier(24 * HOUR)).toBe("1m");
    expect(pickTier(7 * 24 * HOUR)).toBe("1m");
    expect(pickTier(30 * 24 * HOUR)).toBe("1h");
    expect(pickBucketSeconds(HOUR, "raw", 1000)).toBe(5);
    expect(pickBucketSeconds(24 * HOUR, "1m", 1000)).toBe(120);
    expect(pickBucketSeconds(30 * 24 * HOUR, "1h", 1000)).toBe(3600);
    expect(pickBucketSeconds(HOUR, "1m", 1000)).toBe(60);
  });

  it("reads rolled-up minutes before the mark and raw rows after it, as one series", async () => {
    const host = randomUUID();
    const rolled = NOW - 10 * HOUR;
    await store(host, [sample(rolled, 2), sample(rolled + 1000, 4)]);
    await rollupRange(db.pool, "1m", new Date(rolled), new Date(rolled + 60_000));
    // Remove the raw rows: the chart must now come from the 1m tier alone for that minute.
    await db.pool.query("DELETE FROM samples WHERE host_id = $1", [host]);
    // Raw rows gone as if past retention: nothing left to redo from.
    await db.pool.query("DELETE FROM metric_rollup_dirty");
    await catchUpRollup(db.pool, "1m", { now: new Date(NOW + 30_000) });
    const mark = (await rollupDoneUntil(db.pool, "1m")) as number;
    await store(host, [sample(mark + 5_000, 8)]);

    const history = await readHistory(db.pool, {
      hostId: host,
      workloadId: null,
      from: NOW - 24 * HOUR,
      to: NOW + HOUR,
      points: 500,
    });
    expect(history.tier).toBe("1m");
    expect(history.bucketSeconds).toBe(300);
    expect(history.ts.length).toBe(2);
    expect(history.cpuCores).toEqual([3, 8]);
    expect(history.memUsedBytes).toEqual([3e9, 8e9]);
    expect(history.load1).toEqual([null, null]);
  });

  it("reads a workload's hours for a 30-day range", async () => {
    const host = randomUUID();
    const t0 = NOW - 28 * HOUR;
    await store(host, [sample(t0, 1, "vm-1"), sample(t0 + 120_000, 3, "vm-1"), sample(t0, 9)]);
    await rollupRange(db.pool, "1m", new Date(t0), new Date(t0 + HOUR));
    await rollupRange(db.pool, "1h", new Date(t0), new Date(t0 + HOUR));
    const history = await readHistory(db.pool, {
      hostId: host,
      workloadId: "vm-1",
      from: NOW - 30 * 24 * HOUR,
      to: NOW,
    });
    expect(history.tier).toBe("1h");
    expect(history.ts).toEqual([t0 / 1000]);
    expect(history.cpuCores).toEqual([2]);
  });

  it("rejects a budget of no points", async () => {
    await expect(readHistory(db.pool, { hostId: "h", workloadId: null, from: 0, to: 1000, points: 0 })).rejects.toThrow(
      RangeError,
    );
  });
});

describe("retention", () => {
  it("drops 1-minute partitions and hourly rows past their retention", async () => {
    const partitions = async () =>
      (
        await db.pool.query<{ name: string }>(
          "SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'samples_1m'::regclass ORDER BY 1",
        )
      ).rows.map((r) => r.name);
    expect(await partitions()).toContain("samples_1m_p20261126");
    const dropped = await dropSamplePartitionsOlderThan(db.pool, 2, new Date(NOW), "samples_1m");
    expect(dropped).toEqual(["samples_1m_p20261126"]);
    expect(await partitions()).not.toContain("samples_1m_p20261126");
    expect(await partitions()).toContain("samples_1m_p20261127");

    const host = randomUUID();
    await db.pool.query(
      "INSERT INTO samples_1h (ts, host_id, kind, n) VALUES ($1, $2, 'host', 1), ($3, $2, 'host', 1)",
      [new Date(NOW - 40 * 24 * HOUR), host, new Date(NOW - 10 * 24 * HOUR)],
    );
    expect(await pruneHourlyRollups(db.pool, 30, new Date(NOW))).toBe(1);
    expect((await tierRows("samples_1h", host)).length).toBe(1);
  });
});
