// The metrics write path: one agent batch = one transaction, de-duplicated by (agent, seq), with
// all samples in a single INSERT ... SELECT FROM unnest(...). Raw `pg`, never Prisma: this runs
// for every batch from every agent, and Prisma's createMany is ~3x slower here.
import type pg from "pg";
import { lateHours, markLateHours } from "./sample-rollups.js";

export type SampleKind = "host" | "vm" | "container";

/** One wide row for the host (workloadId null) or one of its workloads, as the agent measured it. */
export interface MetricSample {
  /** End of the measured interval, ms since the epoch. */
  ts: number;
  /** The driver's id of the workload (Workload.externalId); null for the host itself. */
  workloadId: string | null;
  kind: SampleKind;
  cpuCores: number;
  cpuRatio?: number | null;
  memUsedBytes: number;
  memTotalBytes?: number | null;
  netRxBps: number;
  netTxBps: number;
  diskReadBps: number;
  diskWriteBps: number;
  load1?: number | null;
}

export interface MetricBatch {
  agentId: string;
  bootId?: string | null;
  hostId: string;
  /** The agent's batch sequence number: positive, never reused by that agent. */
  seq: number;
  samples: readonly MetricSample[];
}

export interface StoreResult {
  /** true: this (agent, seq) was already committed earlier and nothing was stored now. */
  duplicate: boolean;
}

const CLAIM_BATCH = `
INSERT INTO metric_batches (agent_id, seq, boot_id, sample_count)
VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING
RETURNING seq`;

// Every column is sent as one array parameter, so a batch of any size is a single statement
// with a fixed text (and a reusable plan).
const INSERT_SAMPLES = `
INSERT INTO samples (ts, host_id, workload_id, kind, agent_id, boot_id, seq, cpu_cores, cpu_ratio,
  mem_used_bytes, mem_total_bytes, net_rx_bps, net_tx_bps, disk_read_bps, disk_write_bps, load1)
SELECT to_timestamp(u.ts_ms / 1000.0), $1, u.workload_id, u.kind, $2, $3, $4, u.cpu_cores, u.cpu_ratio,
  u.mem_used, u.mem_total, u.net_rx, u.net_tx, u.disk_read, u.disk_write, u.load1
FROM unnest($5::float8[], $6::text[], $7::text[], $8::real[], $9::real[], $10::float8[], $11::float8[],
  $12::real[], $13::real[], $14::real[], $15::real[], $16::real[])
  AS u(ts_ms, workload_id, kind, cpu_cores, cpu_ratio, mem_used, mem_total, net_rx, net_tx, disk_read,
    disk_write, load1)`;

/**
 * Stores a batch exactly once. Resolves only after COMMIT, so the caller may ack the agent as
 * soon as it returns. A concurrent store of the same (agent, seq) on another connection waits
 * on the first one's row lock and then reports a duplicate, so no batch is stored twice.
 */
export async function storeMetricBatch(pool: pg.Pool, batch: MetricBatch): Promise<StoreResult> {
  if (!Number.isSafeInteger(batch.seq) || batch.seq <= 0) {
    throw new RangeError(`metrics batch seq must be a positive integer, got ${batch.seq}`);
  }
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const bootId = batch.bootId ?? null;
    const claimed = await client.query(CLAIM_BATCH, [batch.agentId, batch.seq, bootId, batch.samples.length]);
    if (claimed.rowCount === 0) {
      await client.query("ROLLBACK");
      return { duplicate: true };
    }
    if (batch.samples.length > 0) {
      await client.query(INSERT_SAMPLES, [batch.hostId, batch.agentId, bootId, batch.seq, ...toColumns(batch.samples)]);
      await markLateHours(client, lateHours(batch.samples.map((s) => ({ ts: s.ts, hostId: batch.hostId }))));
    }
    await client.query("COMMIT");
    return { duplicate: false };
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

const KINDS = new Set(["host", "vm", "container"]);

/** The metrics stored in REAL (float4) columns; the others are DOUBLE PRECISION. */
const REAL_FIELDS = ["cpuCores", "cpuRatio", "netRxBps", "netTxBps", "diskReadBps", "diskWriteBps", "load1"] as const;

/** PostgreSQL refuses a REAL input that overflows to infinity or underflows to zero. */
function fitsReal(value: number | null | undefined): boolean {
  if (value === null || value === undefined || !Number.isFinite(value)) return true;
  const single = Math.fround(value);
  return Number.isFinite(single) && (single !== 0 || value === 0);
}

/**
 * Throws on a sample the table would refuse: an unknown kind, a kind/workloadId mismatch, or a
 * number out of range for its REAL column. Caught before the batch joins a group, such a batch
 * fails alone instead of failing every other agent's batch in the same transaction.
 */
/** new Date(ms) holds up to this (year 275760). */
const MAX_DATE_MS = 8_640_000_000_000_000;

export function checkSamples(samples: readonly MetricSample[]): void {
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i] as MetricSample;
    if (!KINDS.has(s.kind) || (s.kind === "host") !== (s.workloadId === null)) {
      throw new TypeError(`sample ${i}: kind "${s.kind}" with workloadId ${JSON.stringify(s.workloadId)}`);
    }
    // A time no Date can hold would throw while the group's COPY is written, failing every batch in it.
    if (!Number.isSafeInteger(s.ts) || s.ts < 0 || s.ts > MAX_DATE_MS)
      throw new RangeError(`sample ${i}: ts ${s.ts} is not a time (milliseconds since 1970 up to year 275760)`);
    for (const field of REAL_FIELDS) {
      if (!fitsReal(s[field])) throw new RangeError(`sample ${i}: ${field} ${s[field]} is out of range for a REAL`);
    }
  }
}

/** The 12 per-sample column arrays of the samples insert; throws on a kind/workloadId mismatch. */
export function toColumns(samples: readonly MetricSample[]): unknown[][] {
  const n = samples.length;
  const cols = Array.from({ length: 12 }, () => new Array<unknown>(n));
  for (let i = 0; i < n; i++) {
    const s = samples[i] as MetricSample;
    if ((s.kind === "host") !== (s.workloadId === null)) {
      throw new TypeError(`sample ${i}: kind "${s.kind}" with workloadId ${JSON.stringify(s.workloadId)}`);
    }
    const row = [
      s.ts,
      s.workloadId,
      s.kind,
      s.cpuCores,
      s.cpuRatio ?? null,
      s.memUsedBytes,
      s.memTotalBytes ?? null,
      s.netRxBps,
      s.netTxBps,
      s.diskReadBps,
      s.diskWriteBps,
      s.load1 ?? null,
    ];
    for (let c = 0; c < 12; c++) (cols[c] as unknown[])[i] = row[c];
  }
  return cols;
}

/** Highest committed batch seq of an agent (0 when none), which the gateway sends in `welcome`. */
export async function lastCommittedSeq(pool: pg.Pool, agentId: string): Promise<number> {
  const { rows } = await pool.query<{ seq: string | null }>(
    "SELECT max(seq)::text AS seq FROM metric_batches WHERE agent_id = $1",
    [agentId],
  );
  return Number(rows[0]?.seq ?? 0);
}

/**
 * Forgets de-duplication rows received before the cutoff, but always keeps each agent's newest,
 * which lastCommittedSeq() reports. Run with the samples' retention: a batch older than that
 * would be dropped with its partition anyway.
 */
export async function pruneMetricBatches(pool: pg.Pool, olderThanDays: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - olderThanDays * 86_400_000);
  const { rowCount } = await pool.query(
    `DELETE FROM metric_batches m
     WHERE m.received_at < $1
       AND m.seq < (SELECT max(seq) FROM metric_batches n WHERE n.agent_id = m.agent_id)`,
    [cutoff],
  );
  return rowCount ?? 0;
}
