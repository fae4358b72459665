// The rollup tiers of `samples`: `samples_1m` (made from raw rows) and `samples_1h` (made from
// 1-minute rows, averages weighted by their raw row counts). A bucket is always rebuilt whole -
// delete, then insert, in one transaction - so re-running a bucket gives the same rows, and a
// late batch that lands in an already rolled bucket is picked up when that bucket is redone.
import type pg from "pg";

export type RollupTier = "1m" | "1h";

/** Column and SQL type of each metric, shared by the rollup and history queries. */
export const ROLLUP_METRICS = [
  ["cpu_cores", "real"],
  ["cpu_ratio", "real"],
  ["mem_used_bytes", "float8"],
  ["mem_total_bytes", "float8"],
  ["net_rx_bps", "real"],
  ["net_tx_bps", "real"],
  ["disk_read_bps", "real"],
  ["disk_write_bps", "real"],
  ["load1", "real"],
] as const;

export const TIER_SECONDS: Record<RollupTier, number> = { "1m": 60, "1h": 3600 };
export const TIER_TABLE: Record<RollupTier, string> = { "1m": "samples_1m", "1h": "samples_1h" };
/** Serialises rollups of one tier across server nodes (second key: 1 for 1m, 2 for 1h). */
const ROLLUP_LOCK_KEY = 72707371;

const COLUMNS = ROLLUP_METRICS.flatMap(([c]) => [`${c}_avg`, `${c}_min`, `${c}_max`]).join(", ");

// Raw -> 1m: plain aggregates per series and minute.
const FROM_RAW = ROLLUP_METRICS.map(([c, t]) => `avg(${c})::${t}, min(${c}), max(${c})`).join(",\n    ");
// 1m -> 1h: an hour's average is the raw-row-weighted mean of its minutes' averages. Minutes
// without a value of an optional metric (NULL) are left out of its weight.
const FROM_MINUTES = ROLLUP_METRICS.map(
  ([c, t]) =>
    `(sum(${c}_avg * n) / nullif(sum(n) FILTER (WHERE ${c}_avg IS NOT NULL), 0))::${t}, min(${c}_min), max(${c}_max)`,
).join(",\n    ");

const ROLLUP_SQL: Record<RollupTier, string> = {
  "1m": `
INSERT INTO samples_1m (ts, host_id, workload_id, kind, n, ${COLUMNS})
SELECT date_trunc('minute', ts), host_id, workload_id, min(kind), count(*)::int,
    ${FROM_RAW}
FROM samples
WHERE ts >= $1 AND ts < $2
GROUP BY 1, host_id, workload_id`,
  "1h": `
INSERT INTO samples_1h (ts, host_id, workload_id, kind, n, ${COLUMNS})
SELECT date_trunc('hour', ts), host_id, workload_id, min(kind), sum(n)::int,
    ${FROM_MINUTES}
FROM samples_1m
WHERE ts >= $1 AND ts < $2
GROUP BY 1, host_id, workload_id`,
};

/** The start of the tier's bucket that holds `ms` (buckets are aligned to the epoch, UTC). */
export function bucketStart(tier: RollupTier, ms: number): number {
  const size = TIER_SECONDS[tier] * 1000;
  return Math.floor(ms / size) * size;
}

/**
 * Rebuilds every bucket of the tier in [from, to) (both rounded down to bucket edges) and
 * returns how many rows the tier now holds for them. Idempotent.
 */
export async function rollupRange(
  pool: pg.Pool,
  tier: RollupTier,
  from: Date,
  to: Date,
  /** Only these hosts' series (a late batch's redo); all hosts when absent. */
  hostIds?: readonly string[],
  /** Runs first in the same transaction (redoMarkedHours clears the mark it is redoing). */
  before?: (client: pg.PoolClient) => Promise<void>,
): Promise<number> {
  const start = new Date(bucketStart(tier, from.getTime()));
  const end = new Date(bucketStart(tier, to.getTime()));
  if (end <= start) return 0;
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock($1, $2)", [ROLLUP_LOCK_KEY, tier === "1m" ? 1 : 2]);
    await before?.(client);
    const hosts = hostIds ? " AND host_id = ANY($3::text[])" : "";
    const params = hostIds ? [start, end, hostIds] : [start, end];
    await client.query(`DELETE FROM ${TIER_TABLE[tier]} WHERE ts >= $1 AND ts < $2${hosts}`, params);
    const { rowCount } = await client.query(
      ROLLUP_SQL[tier].replace("WHERE ts >= $1 AND ts < $2", `WHERE ts >= $1 AND ts < $2${hosts}`),
      params,
    );
    await client.query("COMMIT");
    return rowCount ?? 0;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Up to where a tier is complete (ms since the epoch), or null before its first rollup. */
export async function rollupDoneUntil(pool: pg.Pool, tier: RollupTier): Promise<number | null> {
  const { rows } = await pool.query<{ ms: number }>(
    "SELECT (extract(epoch FROM done_until) * 1000)::float8 AS ms FROM metric_rollup_state WHERE tier = $1",
    [tier],
  );
  return rows[0]?.ms ?? null;
}

async function markDone(pool: pg.Pool, tier: RollupTier, until: Date): Promise<void> {
  // GREATEST: a slow run that finishes after a faster, later one never moves the mark back.
  await pool.query(
    `INSERT INTO metric_rollup_state (tier, done_until) VALUES ($1, $2)
     ON CONFLICT (tier) DO UPDATE SET done_until = GREATEST(metric_rollup_state.done_until, EXCLUDED.done_until),
       updated_at = now()`,
    [tier, until],
  );
}

export interface CatchUpOptions {
  now?: Date;
  /**
   * Closed buckets younger than this are redone on every run, so batches still in flight when a
   * bucket was first made reach the tier (older ones are marked: see LATE_SAMPLE_MS).
   * Default: 2 minutes for 1m, 3 hours for 1h.
   */
  redoSeconds?: number;
  /** A bucket is rolled only once it is this old, so in-flight batches can land. Default 60 s for 1m, 5 min for 1h. */
  settleSeconds?: number;
  /** On the first run (no mark yet), how far back to start. Default 2 days. */
  firstRunSeconds?: number;
}

/**
 * What the rollup jobs run: redoes the recent closed buckets of the tier and any not made yet,
 * then moves the tier's mark. Returns the range rolled and the rows written.
 */
export async function catchUpRollup(
  pool: pg.Pool,
  tier: RollupTier,
  options: CatchUpOptions = {},
): Promise<{ from: Date; to: Date; rows: number; redoneHours: number }> {
  const now = (options.now ?? new Date()).getTime();
  const defaults = tier === "1m" ? { redo: 120, settle: 60 } : { redo: 3 * 3600, settle: 300 };
  const redoMs = (options.redoSeconds ?? defaults.redo) * 1000;
  const settleMs = (options.settleSeconds ?? defaults.settle) * 1000;
  const to = bucketStart(tier, now - settleMs);
  const done = await rollupDoneUntil(pool, tier);
  const firstRun = now - (options.firstRunSeconds ?? 2 * 86_400) * 1000;
  const from = bucketStart(tier, Math.min(done ?? firstRun, to - redoMs));
  // A 1h bucket is made from minutes: never past what the 1m tier has finished.
  const limit = tier === "1h" ? bucketStart("1h", (await rollupDoneUntil(pool, "1m")) ?? 0) : to;
  const end = Math.min(to, limit);
  const redone = await redoMarkedHours(pool, tier);
  if (end <= from) return { from: new Date(from), to: new Date(from), rows: 0, redoneHours: redone };
  const rows = await rollupRange(pool, tier, new Date(from), new Date(end));
  await markDone(pool, tier, new Date(end));
  return { from: new Date(from), to: new Date(end), rows, redoneHours: redone };
}

/**
 * Samples older than this when they are stored may land in a bucket the 1m job no longer redoes
 * (it redoes the last 2 closed minutes, a minute after they close): their host's hour is marked
 * for both tiers to redo. One minute of margin for a cron tick that fires late.
 */
export const LATE_SAMPLE_MS = 60_000;

const MARK_DIRTY = `
INSERT INTO metric_rollup_dirty (tier, hour, host_id)
SELECT t.tier, h.hour, h.host_id FROM unnest($1::timestamptz[], $2::text[]) AS h(hour, host_id)
CROSS JOIN (VALUES ('1m'), ('1h')) AS t(tier)
ON CONFLICT DO NOTHING`;

export interface LateHour {
  hour: number;
  hostId: string;
}

/** The host-hours holding samples older than LATE_SAMPLE_MS (ts in ms), for markLateHours. */
export function lateHours(samples: Iterable<{ ts: number; hostId: string }>, now = Date.now()): LateHour[] {
  const found = new Map<string, LateHour>();
  for (const s of samples) {
    if (s.ts >= now - LATE_SAMPLE_MS) continue;
    const hour = bucketStart("1h", s.ts);
    found.set(`${hour}\u0000${s.hostId}`, { hour, hostId: s.hostId });
  }
  // One order in every transaction, so concurrent marks cannot deadlock.
  return [...found.values()].sort(
    (a, b) => a.hour - b.hour || (a.hostId < b.hostId ? -1 : a.hostId > b.hostId ? 1 : 0),
  );
}

/** Marks host-hours for both tiers to redo; call in the transaction that stores the late samples. */
export async function markLateHours(client: pg.ClientBase, late: readonly LateHour[]): Promise<void> {
  if (late.length === 0) return;
  await client.query(MARK_DIRTY, [late.map((l) => new Date(l.hour)), late.map((l) => l.hostId)]);
}

/**
 * Redoes up to `limit` marked host-hours of a tier (the 1h tier only once its minutes are redone),
 * oldest first. The mark is deleted in the redo's own transaction: a writer marking the same
 * host-hour meanwhile waits for that transaction, then inserts the mark again, so samples the
 * redo could not see are redone next time, and a failed redo keeps its mark.
 */
export async function redoMarkedHours(pool: pg.Pool, tier: RollupTier, limit = 500): Promise<number> {
  const { rows } = await pool.query<{ hour: Date; host_id: string }>(
    `SELECT d.hour, d.host_id FROM metric_rollup_dirty d
     WHERE d.tier = $1
       AND ($1 = '1m' OR NOT EXISTS (SELECT 1 FROM metric_rollup_dirty m
                                     WHERE m.tier = '1m' AND m.hour = d.hour AND m.host_id = d.host_id))
     ORDER BY d.hour, d.host_id LIMIT $2`,
    [tier, limit],
  );
  for (const { hour, host_id } of rows) {
    await rollupRange(pool, tier, hour, new Date(hour.getTime() + 3_600_000), [host_id], async (client) => {
      await client.query("DELETE FROM metric_rollup_dirty WHERE tier = $1 AND hour = $2 AND host_id = $3", [
        tier,
        hour,
        host_id,
      ]);
    });
  }
  return rows.length;
}

/** Deletes 1-hour rows older than the retention (the hourly table is small and not partitioned). */
export async function pruneHourlyRollups(pool: pg.Pool, olderThanDays: number, now = new Date()): Promise<number> {
  const { rowCount } = await pool.query("DELETE FROM samples_1h WHERE ts < $1", [
    new Date(now.getTime() - olderThanDays * 86_400_000),
  ]);
  return rowCount ?? 0;
}
