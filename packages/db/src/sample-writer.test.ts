import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureSamplePartitions } from "./sample-partitions.js";
import { createSampleWriter } from "./sample-writer.js";
import { lastCommittedSeq, type MetricBatch, type MetricSample } from "./samples.js";
import { startTestDatabase, type TestDatabase } from "./testing.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await startTestDatabase();
  await ensureSamplePartitions(db.pool);
}, 60_000);
afterAll(async () => {
  await db?.stop();
});

function batch(agentId: string, hostId: string, seq: number, n = 3): MetricBatch {
  const samples: MetricSample[] = Array.from({ length: n }, (_, i) => ({
    ts: Date.now() - seq * 1000,
    workloadId: i === 0 ? null : `c${i}`,
    kind: i === 0 ? "host" : "container",
    cpuCores: seq,
    memUsedBytes: 1e9,
    netRxBps: 1,
    netTxBps: 2,
    diskReadBps: 3,
    diskWriteBps: 4,
  }));
  return { agentId, hostId, bootId: "boot-1", seq, samples };
}

async function rowsOf(agentId: string) {
  const { rows } = await db.pool.query<{ seq: string; n: number }>(
    "SELECT seq::text, count(*)::int AS n FROM samples WHERE agent_id = $1 GROUP BY seq ORDER BY seq::bigint",
    [agentId],
  );
  return rows.map((r) => [Number(r.seq), r.n]);
}

describe("group-committing sample writer", () => {
  it("stores many agents' concurrent batches exactly once, and reports resends as duplicates", async () => {
    const writer = createSampleWriter(db.pool, { concurrency: 2, maxGroupSamples: 50 });
    const agents = Array.from({ length: 20 }, () => ({ agentId: randomUUID(), hostId: randomUUID() }));
    const first = await Promise.all(
      agents.flatMap((a) => [1, 2, 3].map((seq) => writer.write(batch(a.agentId, a.hostId, seq)))),
    );
    expect(first.every((r) => !r.duplicate)).toBe(true);
    // The same keys again, twice each, racing one another: nothing more is stored.
    const again = await Promise.all(
      agents.flatMap((a) => [2, 2, 3].map((seq) => writer.write(batch(a.agentId, a.hostId, seq)))),
    );
    expect(again.every((r) => r.duplicate)).toBe(true);
    await writer.idle();
    for (const a of agents) {
      expect(await rowsOf(a.agentId)).toEqual([
        [1, 3],
        [2, 3],
        [3, 3],
      ]);
      expect(await lastCommittedSeq(db.pool, a.agentId)).toBe(3);
    }
  });

  it("stores workload ids with tabs, newlines and backslashes unchanged, and null metrics as NULL", async () => {
    const writer = createSampleWriter(db.pool);
    const agentId = randomUUID();
    const odd = "pod\tone\nline\\two\r";
    const b = batch(agentId, randomUUID(), 1, 2);
    b.samples = [
      { ...(b.samples[0] as MetricSample), cpuRatio: 0.25, load1: null },
      { ...(b.samples[1] as MetricSample), workloadId: odd, kind: "vm" },
    ];
    await writer.write(b);
    const { rows } = await db.pool.query(
      "SELECT workload_id, kind, cpu_ratio, load1, boot_id FROM samples WHERE agent_id = $1 ORDER BY workload_id NULLS FIRST",
      [agentId],
    );
    expect(rows).toEqual([
      { workload_id: null, kind: "host", cpu_ratio: 0.25, load1: null, boot_id: "boot-1" },
      { workload_id: odd, kind: "vm", cpu_ratio: null, load1: null, boot_id: "boot-1" },
    ]);
  });

  it("fails a malformed batch alone, without touching the batches written with it", async () => {
    const writer = createSampleWriter(db.pool);
    const good = { agentId: randomUUID(), hostId: randomUUID() };
    const bad = batch(randomUUID(), randomUUID(), 1);
    (bad.samples[1] as MetricSample).workloadId = null;
    const results = await Promise.allSettled([
      writer.write(batch(good.agentId, good.hostId, 1)),
      writer.write(bad),
      writer.write({ ...batch(good.agentId, good.hostId, 2), seq: 0 }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected"]);
    expect(await rowsOf(good.agentId)).toEqual([[1, 3]]);
    expect(await rowsOf(bad.agentId)).toEqual([]);
  });

  it("commits one link's pipelined batches in seq order, sharing a group when they fit", async () => {
    const writer = createSampleWriter(db.pool, { concurrency: 3, maxGroupSamples: 6 });
    const a = { agentId: randomUUID(), hostId: randomUUID() };
    const stream = {};
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4, 5].map((seq) => writer.write(batch(a.agentId, a.hostId, seq), stream).then(() => order.push(seq))),
    );
    // Three groups could run at once, yet no batch of the agent committed before an earlier one.
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect((await rowsOf(a.agentId)).map(([seq]) => seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it("never commits a link's batches past one that failed, and refuses the link's later writes", async () => {
    // One batch per group, one group at a time: the failure is the second group's alone.
    const writer = createSampleWriter(db.pool, { concurrency: 1, maxGroupSamples: 3 });
    const a = { agentId: randomUUID(), hostId: randomUUID() };
    const other = { agentId: randomUUID(), hostId: randomUUID() };
    const stream = {};
    const poisoned = batch(a.agentId, a.hostId, 2);
    // Passes checkSamples, but PostgreSQL refuses a NUL in text: the group's transaction fails.
    (poisoned.samples[1] as MetricSample).workloadId = "c\u0000x";
    const results = await Promise.allSettled([
      writer.write(batch(a.agentId, a.hostId, 1), stream),
      writer.write(poisoned, stream),
      writer.write(batch(a.agentId, a.hostId, 3), stream),
      writer.write(batch(other.agentId, other.hostId, 1), {}),
      writer.write(batch(a.agentId, a.hostId, 4), stream),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled", "rejected"]);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/0x00/);
    expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/earlier batch of this link failed/);
    await expect(writer.write(batch(a.agentId, a.hostId, 5), stream)).rejects.toThrow(/earlier batch/);
    expect(await rowsOf(a.agentId)).toEqual([[1, 3]]);
    expect(await lastCommittedSeq(db.pool, a.agentId)).toBe(1);
    expect(await rowsOf(other.agentId)).toEqual([[1, 3]]);
    // A new link (the agent reconnected) resends from welcome.lastSeq + 1 and is stored.
    await writer.write(batch(a.agentId, a.hostId, 2), {});
    expect((await rowsOf(a.agentId)).map(([seq]) => seq)).toEqual([1, 2]);
  });

  it("refuses a batch with a number out of REAL range alone, and the rest of its link with it", async () => {
    const writer = createSampleWriter(db.pool);
    const a = { agentId: randomUUID(), hostId: randomUUID() };
    const other = { agentId: randomUUID(), hostId: randomUUID() };
    const stream = {};
    const huge = batch(a.agentId, a.hostId, 2);
    (huge.samples[0] as MetricSample).cpuCores = 1e300;
    const tiny = batch(other.agentId, other.hostId, 2);
    (tiny.samples[1] as MetricSample).netRxBps = 1e-50;
    const results = await Promise.allSettled([
      writer.write(batch(a.agentId, a.hostId, 1), stream),
      writer.write(batch(other.agentId, other.hostId, 1), {}),
      writer.write(huge, stream),
      writer.write(batch(a.agentId, a.hostId, 3), stream),
      writer.write(tiny, {}),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "rejected", "rejected"]);
    expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/cpuCores 1e\+300 is out of range/);
    expect(String((results[4] as PromiseRejectedResult).reason)).toMatch(/netRxBps 1e-50 is out of range/);
    expect(await rowsOf(a.agentId)).toEqual([[1, 3]]);
    expect(await rowsOf(other.agentId)).toEqual([[1, 3]]);
  });

  it("refuses a batch from a clock beyond any Date alone, without failing the batches it would share a COPY with", async () => {
    const writer = createSampleWriter(db.pool);
    const a = { agentId: randomUUID(), hostId: randomUUID() };
    const other = { agentId: randomUUID(), hostId: randomUUID() };
    const broken = batch(a.agentId, a.hostId, 1);
    (broken.samples[0] as MetricSample).ts = 8.7e15;
    const results = await Promise.allSettled([
      writer.write(broken, {}),
      writer.write(batch(other.agentId, other.hostId, 1), {}),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled"]);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/ts 8700000000000000 is not a time/);
    expect(await rowsOf(other.agentId)).toEqual([[1, 3]]);
  });
});
