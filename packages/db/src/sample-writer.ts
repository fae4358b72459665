// Group commit for the metrics write path: batches from many agents that arrive while earlier
// writes are in flight are stored together, in one transaction (claim the batch keys in one
// statement, COPY the claimed batches' samples), instead of one transaction per agent batch.
// Exactly-once is kept by the same metric_batches primary key (agent, seq) as storeMetricBatch.
//
// One agent may hand over several batches before the first commits (its link pipelines them).
// They still commit in seq order and never past a failure: an agent's batches join a group only
// while none of its earlier batches is in another group still in flight (several of them may
// share one group, committing together), and when a group fails, every batch of the same link
// (BatchStream) still waiting fails with it and later writes on that link are refused at once.
// So an agent's committed seqs never have a gap that welcome.lastSeq would hide.
import type pg from "pg";
import { copySamples } from "./sample-copy.js";
import { LATE_SAMPLE_MS, lateHours, markLateHours } from "./sample-rollups.js";
import { checkSamples, type MetricBatch, type StoreResult } from "./samples.js";

export interface SampleWriterOptions {
  /** Transactions in flight at once (each holds one pool connection). Default 3. */
  concurrency?: number;
  /** A group closes when it holds this many samples. Default 20,000. */
  maxGroupSamples?: number;
}

/**
 * One agent link's batches, in the order written. After a failure on it (`failed` set), the link's
 * later batches are refused: stored, they would leave a gap behind the failed one.
 */
export interface BatchStream {
  failed?: unknown;
}

export interface SampleWriter {
  /**
   * Stores the batch exactly once; resolves after COMMIT. Rejects if its group's transaction
   * failed, or if an earlier batch of the same `stream` did.
   */
  write(batch: MetricBatch, stream?: BatchStream): Promise<StoreResult>;
  /** Resolves once every batch handed over so far is committed or failed. */
  idle(): Promise<void>;
}

interface Pending {
  batch: MetricBatch;
  stream: BatchStream | undefined;
  resolve(result: StoreResult): void;
  reject(error: unknown): void;
}

const CLAIM_BATCHES = `
INSERT INTO metric_batches (agent_id, seq, boot_id, sample_count)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::int[])
ON CONFLICT DO NOTHING
RETURNING agent_id, seq::text`;

const HOUR_MS = 3_600_000;

const keyOf = (b: MetricBatch) => `${b.agentId}\u0000${b.seq}`;

export function createSampleWriter(pool: pg.Pool, options: SampleWriterOptions = {}): SampleWriter {
  const concurrency = options.concurrency ?? 3;
  const maxGroupSamples = options.maxGroupSamples ?? 20_000;
  let queue: Pending[] = [];
  let running = 0;
  /** Agents with a batch in a group whose transaction is in flight. */
  const busyAgents = new Set<string>();
  const idleWaiters: Array<() => void> = [];

  function pump() {
    while (running < concurrency && queue.length > 0) {
      const group = takeGroup();
      if (group.length === 0) return;
      running += 1;
      const agents = new Set(group.map((p) => p.batch.agentId));
      for (const a of agents) busyAgents.add(a);
      void storeGroup(pool, group, failStreams).finally(() => {
        running -= 1;
        for (const a of agents) busyAgents.delete(a);
        pump();
        if (running === 0 && queue.length === 0) for (const wake of idleWaiters.splice(0)) wake();
      });
    }
  }

  /** The oldest waiting batches that fit a group, skipping agents busy in another group. */
  function takeGroup(): Pending[] {
    let samples = 0;
    const group: Pending[] = [];
    const rest: Pending[] = [];
    let full = false;
    for (const p of queue) {
      const size = p.batch.samples.length;
      if (full || busyAgents.has(p.batch.agentId)) rest.push(p);
      else if (group.length > 0 && samples + size > maxGroupSamples) {
        // Closed: later batches (of this agent too, so its order holds) wait for the next group.
        full = true;
        rest.push(p);
      } else {
        group.push(p);
        samples += size;
      }
    }
    queue = rest;
    return group;
  }

  /** After a failed group: its links' batches still waiting fail too, and their later writes are refused. */
  function failStreams(group: readonly Pending[], error: unknown) {
    const streams = new Set<BatchStream>();
    for (const p of group) {
      if (!p.stream) continue;
      p.stream.failed ??= error;
      streams.add(p.stream);
    }
    if (streams.size === 0) return;
    const keep: Pending[] = [];
    for (const p of queue) {
      if (p.stream && streams.has(p.stream)) p.reject(refusal(p.stream.failed));
      else keep.push(p);
    }
    queue = keep;
  }

  return {
    write(batch, stream) {
      if (stream?.failed !== undefined) return Promise.reject(refusal(stream.failed));
      try {
        if (!Number.isSafeInteger(batch.seq) || batch.seq <= 0) {
          throw new RangeError(`metrics batch seq must be a positive integer, got ${batch.seq}`);
        }
        // A malformed batch fails alone here, never the group it would have joined.
        checkSamples(batch.samples);
      } catch (error) {
        // Its link's later batches must not be stored past it either.
        if (stream) stream.failed = error;
        return Promise.reject(error);
      }
      return new Promise<StoreResult>((resolve, reject) => {
        queue.push({ batch, stream, resolve, reject });
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

function refusal(cause: unknown): Error {
  return new Error("an earlier batch of this link failed to store; reconnect and resend", { cause });
}

async function storeGroup(
  pool: pg.Pool,
  group: Pending[],
  onFailure: (group: readonly Pending[], error: unknown) => void,
): Promise<void> {
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
    onFailure(group, error);
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
    const now = Date.now();
    await markLateHours(client, lateHours(sampleTimes(toStore, now), now));
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

/**
 * One {ts, hostId} per distinct hour of each batch's late samples: what lateHours needs to find
 * the host-hours to mark, without an object per sample (a batch is nearly always one hour).
 */
function sampleTimes(group: Pending[], now = Date.now()): Array<{ ts: number; hostId: string }> {
  const cutoff = now - LATE_SAMPLE_MS;
  const found: Array<{ ts: number; hostId: string }> = [];
  for (const p of group) {
    let lastHour = Number.NaN;
    for (const s of p.batch.samples) {
      if (s.ts >= cutoff) continue;
      const hour = Math.floor(s.ts / HOUR_MS);
      if (hour === lastHour) continue;
      lastHour = hour;
      found.push({ ts: s.ts, hostId: p.batch.hostId });
    }
  }
  return found;
}
