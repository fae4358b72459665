// Group commit for the metrics write path: batches from many agents that arrive while earlier
// writes are in flight are stored together, in one transaction of two statements (claim the
// batch keys, insert the claimed batches' samples), instead of one transaction per agent batch.
// Exactly-once is kept by the same metric_batches primary key (agent, seq) as storeMetricBatch.
import type pg from "pg";
import { lateHours, markLateHours } from "./sample-rollups.js";
import { type MetricBatch, type StoreResult, toColumns } from "./samples.js";

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
  /** The samples as column arrays, made (and checked) when the batch was handed over. */
  columns: unknown[][];
  resolve(result: StoreResult): void;
  reject(error: unknown): void;
}

const CLAIM_BATCHES = `
INSERT INTO metric_batches (agent_id, seq, boot_id, sample_count)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::int[])
ON CONFLICT DO NOTHING
RETURNING agent_id, seq::text`;

// As storeMetricBatch's insert, with the per-batch columns (host, agent, boot, seq) as arrays too.
const INSERT_GROUP = `
INSERT INTO samples (ts, host_id, workload_id, kind, agent_id, boot_id, seq, cpu_cores, cpu_ratio,
  mem_used_bytes, mem_total_bytes, net_rx_bps, net_tx_bps, disk_read_bps, disk_write_bps, load1)
SELECT to_timestamp(u.ts_ms / 1000.0), u.host_id, u.workload_id, u.kind, u.agent_id, u.boot_id, u.seq,
  u.cpu_cores, u.cpu_ratio, u.mem_used, u.mem_total, u.net_rx, u.net_tx, u.disk_read, u.disk_write, u.load1
FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::float8[], $6::text[], $7::text[], $8::real[],
  $9::real[], $10::float8[], $11::float8[], $12::real[], $13::real[], $14::real[], $15::real[], $16::real[])
  AS u(host_id, agent_id, boot_id, seq, ts_ms, workload_id, kind, cpu_cores, cpu_ratio, mem_used, mem_total,
    net_rx, net_tx, disk_read, disk_write, load1)`;

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
      let columns: unknown[][];
      try {
        // A malformed batch fails alone here, never the group it would have joined.
        columns = toColumns(batch.samples);
      } catch (error) {
        return Promise.reject(error);
      }
      return new Promise<StoreResult>((resolve, reject) => {
        queue.push({ batch, columns, resolve, reject });
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
    if (toStore.length > 0) await client.query(INSERT_GROUP, groupColumns(toStore));
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

function* sampleTimes(group: Pending[]): Generator<number> {
  for (const p of group) for (const s of p.batch.samples) yield s.ts;
}

/** The 16 column arrays of INSERT_GROUP: per-batch fields repeated for each of its samples. */
function groupColumns(group: Pending[]): unknown[][] {
  const hosts: string[] = [];
  const agents: string[] = [];
  const boots: (string | null)[] = [];
  const seqs: number[] = [];
  const metrics: unknown[][] = Array.from({ length: 12 }, () => []);
  for (const { batch: b, columns: cols } of group) {
    for (let i = 0; i < b.samples.length; i++) {
      hosts.push(b.hostId);
      agents.push(b.agentId);
      boots.push(b.bootId ?? null);
      seqs.push(b.seq);
    }
    for (let c = 0; c < 12; c++) (metrics[c] as unknown[]).push(...(cols[c] as unknown[]));
  }
  return [hosts, agents, boots, seqs, ...metrics];
}
