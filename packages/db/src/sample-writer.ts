// Group commit for the metrics write path: batches from many agents that arrive while earlier
// writes are in flight are stored together, in one transaction (claim the batch keys in one
// statement, COPY the claimed batches' samples), instead of one transaction per agent batch.
// Exactly-once is kept by the same metric_batches primary key (agent, seq) as storeMetricBatch.
import type pg from "pg";
import { copySamples } from "./sample-copy.js";
import { lateHours, markLateHours } from "./sample-rollups.js";
import { checkSamples, type MetricBatch, type StoreResult } from "./samples.js";

export interface SampleWriterOptions {
  /** Transactions in flight at once (each holds one pool connection). Default 3. */
  concurrency?: number;
  /** A group closes when it holds this many samples. Default 20,000. */
  maxGroupSamples?: number;
}

export interface SampleWriter {
  /** Stores the batch exactly once; resolves after COMMIT. Rejects if its group's transaction failed. */
  write(batch: MetricBatch): Promise<StoreResult>;
  /** Resolves once every batch handed over so far is committed or failed. */
  idle(): Promise<void>;
}

interface Pending {
  batch: MetricBatch;
  resolve(result: StoreResult): void;
  reject(error: unknown): void;
}

const CLAIM_BATCHES = `
INSERT INTO metric_batches (agent_id, seq, boot_id, sample_count)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::int[])
ON CONFLICT DO NOTHING
RETURNING agent_id, seq::text`;

const keyOf = (b: MetricBatch) => `${b.agentId}\u0000${b.seq}`;

export function createSampleWriter(pool: pg.Pool, options: SampleWriterOptions = {}): SampleWriter {
  const concurrency = options.concurrency ?? 3;
  const maxGroupSamples = options.maxGroupSamples ?? 20_000;
  let queue: Pending[] = [];
  let running = 0;
  const idleWaiters: Array<() => void> = [];

  function pump() {
    while (running < concurrency && queue.length > 0) {
      const group = takeGroup();
      running += 1;
      void storeGroup(pool, group).finally(() => {
        running -= 1;
        pump();
        if (running === 0 && queue.length === 0) for (const wake of idleWaiters.splice(0)) wake();
      });
    }
  }

  function takeGroup(): Pending[] {
    let samples = 0;
    let n = 0;
    while (n < queue.length && (n === 0 || samples + (queue[n] as Pending).batch.samples.length <= maxGroupSamples)) {
      samples += (queue[n] as Pending).batch.samples.length;
      n += 1;
    }
    const group = queue.slice(0, n);
    queue = queue.slice(n);
    return group;
  }

  return {
    write(batch) {
      if (!Number.isSafeInteger(batch.seq) || batch.seq <= 0) {
        return Promise.reject(new RangeError(`metrics batch seq must be a positive integer, got ${batch.seq}`));
      }
      try {
        // A malformed batch fails alone here, never the group it would have joined.
        checkSamples(batch.samples);
      } catch (error) {
        return Promise.reject(error);
      }
      return new Promise<StoreResult>((resolve, reject) => {
        queue.push({ batch, resolve, reject });
        // Writes already in flight: this one waits and joins the next group (that is the batching).
        pump();
      });
    },
    idle() {
      if (running === 0 && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}

async function storeGroup(pool: pg.Pool, group: Pending[]): Promise<void> {
  // The same key twice in one group (a resend racing its original): the later one is a duplicate.
  const first = new Map<string, Pending>();
  const repeats: Pending[] = [];
  for (const p of group) {
    if (first.has(keyOf(p.batch))) repeats.push(p);
    else first.set(keyOf(p.batch), p);
  }
  // Claim keys in one order in every transaction, so two concurrent groups cannot deadlock.
  const unique = [...first.values()].sort((a, b) =>
    a.batch.agentId === b.batch.agentId ? a.batch.seq - b.batch.seq : a.batch.agentId < b.batch.agentId ? -1 : 1,
  );
  let claimed: Set<string>;
  try {
    claimed = await commitGroup(pool, unique);
  } catch (error) {
    for (const p of group) p.reject(error);
    return;
  }
  for (const p of unique) p.resolve({ duplicate: !claimed.has(keyOf(p.batch)) });
  for (const p of repeats) p.resolve({ duplicate: true });
}

async function commitGroup(pool: pg.Pool, group: Pending[]): Promise<Set<string>> {
  const batches = group.map((p) => p.batch);
  if (batches.length === 0) return new Set();
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const { rows } = await client.query<{ agent_id: string; seq: string }>(CLAIM_BATCHES, [
      batches.map((b) => b.agentId),
      batches.map((b) => b.seq),
      batches.map((b) => b.bootId ?? null),
      batches.map((b) => b.samples.length),
    ]);
    const claimed = new Set(rows.map((r) => `${r.agent_id}\u0000${r.seq}`));
    const toStore = group.filter((p) => claimed.has(keyOf(p.batch)) && p.batch.samples.length > 0);
    if (toStore.length > 0)
      await copySamples(
        client,
        toStore.map((p) => p.batch),
      );
    await markLateHours(client, lateHours(sampleTimes(toStore)));
    await client.query("COMMIT");
    return claimed;
  } catch (error) {
    // A failed ROLLBACK means the connection is unusable: destroy it rather than pool it.
    await client.query("ROLLBACK").catch((e: Error) => {
      broken = e;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

function* sampleTimes(group: Pending[]): Generator<{ ts: number; hostId: string }> {
  for (const p of group) for (const s of p.batch.samples) yield { ts: s.ts, hostId: p.batch.hostId };
}
