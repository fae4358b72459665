// Chart history that picks its storage tier by range: raw samples for short ranges, 1-minute
// rollups up to a week, 1-hour rollups beyond, and downsamples to a point budget. The part of the
// range a tier has not rolled up yet (its newest minutes) is read from the finer data instead,
// so a chart never misses recent points and works before the first rollup ever ran.
import type pg from "pg";
import type { MetricSeries } from "./sample-queries.js";
import { ROLLUP_METRICS, type RollupTier, rollupDoneUntil, TIER_SECONDS } from "./sample-rollups.js";

export type HistoryTier = "raw" | RollupTier;

/** Raw rows serve ranges up to 6 hours, 1-minute rollups up to 7 days, 1-hour rollups beyond. */
export const RAW_MAX_RANGE_MS = 6 * 3_600_000;
export const MINUTE_MAX_RANGE_MS = 7 * 86_400_000;
/** Points per series when the caller gives no budget: about one per pixel column of a wide chart. */
export const DEFAULT_POINT_BUDGET = 1_000;
const MAX_POINT_BUDGET = 20_000;

export interface HistoryQuery {
  hostId: string;
  /** The driver's id (Workload.externalId), or null for the host's own series. */
  workloadId: string | null;
  /** ms since the epoch, inclusive. */
  from: number;
  /** ms since the epoch, exclusive. */
  to: number;
  /** At most this many buckets. */
  points?: number;
  /** Smallest bucket wanted (seconds); the tier's resolution and the point budget may raise it. */
  minBucketSeconds?: number;
}

export interface History extends MetricSeries {
  tier: HistoryTier;
  bucketSeconds: number;
}

export function pickTier(rangeMs: number): HistoryTier {
  if (rangeMs <= RAW_MAX_RANGE_MS) return "raw";
  return rangeMs <= MINUTE_MAX_RANGE_MS ? "1m" : "1h";
}

// Bucket widths a person reads easily; the first that fits the budget wins.
const NICE_SECONDS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** The bucket width for a range: at least the tier's resolution, and few enough buckets for the budget. */
export function pickBucketSeconds(rangeMs: number, tier: HistoryTier, points: number, minSeconds = 1): number {
  const floor = Math.max(minSeconds, tier === "raw" ? 1 : TIER_SECONDS[tier]);
  const needed = rangeMs / 1000 / points;
  const nice = NICE_SECONDS.find((s) => s >= needed && s >= floor);
  return nice ?? Math.max(floor, Math.ceil(needed / 86400) * 86400);
}

interface Source {
  table: string;
  /** Raw rows weigh 1; rollup rows weigh the raw rows they were made from. */
  weight: string;
  column: (metric: string) => string;
  from: number;
  to: number;
}

const RAW: Omit<Source, "from" | "to"> = { table: "samples", weight: "1", column: (c) => c };
const rollupSource = (table: string): Omit<Source, "from" | "to"> => ({
  table,
  weight: "n",
  column: (c) => `${c}_avg`,
});

/** Which tables cover which part of [from, to) for a tier, given how far each rollup has got. */
async function sourcesFor(pool: pg.Pool, tier: HistoryTier, from: number, to: number): Promise<Source[]> {
  if (tier === "raw") return [{ ...RAW, from, to }];
  const minuteMark = (await rollupDoneUntil(pool, "1m")) ?? from;
  const rawFrom = Math.max(from, minuteMark);
  if (tier === "1m") {
    return [
      { ...rollupSource("samples_1m"), from, to: Math.min(to, minuteMark) },
      { ...RAW, from: rawFrom, to },
    ];
  }
  const hourMark = Math.min((await rollupDoneUntil(pool, "1h")) ?? from, minuteMark);
  return [
    { ...rollupSource("samples_1h"), from, to: Math.min(to, hourMark) },
    { ...rollupSource("samples_1m"), from: Math.max(from, hourMark), to: Math.min(to, minuteMark) },
    { ...RAW, from: rawFrom, to },
  ];
}

/** $1 host, $2 bucket seconds, then ($3 workload id, when given) and each source's [from, to). */
function historySql(sources: Source[], forWorkload: boolean): string {
  const workloadFilter = forWorkload ? "workload_id = $3" : "workload_id IS NULL";
  const first = forWorkload ? 4 : 3;
  const branches = sources.map(
    (s, i) => `SELECT date_bin(make_interval(secs => $2), ts, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS b,
      ${s.weight} AS w, ${ROLLUP_METRICS.map(([c]) => `${s.column(c)} AS ${c}`).join(", ")}
    FROM ${s.table}
    WHERE host_id = $1 AND ${workloadFilter}
      AND ts >= to_timestamp($${first + i * 2} / 1000.0) AND ts < to_timestamp($${first + 1 + i * 2} / 1000.0)`,
  );
  // Weighted mean per metric; a NULL cell adds neither value nor weight.
  const averages = ROLLUP_METRICS.map(
    ([c, t]) => `(sum(${c} * w) / nullif(sum(w) FILTER (WHERE ${c} IS NOT NULL), 0))::${t} AS ${c}`,
  ).join(", ");
  return `WITH parts AS (${branches.join("\n  UNION ALL\n  ")})
SELECT extract(epoch FROM b)::float8 AS ts, ${averages}
FROM parts GROUP BY b ORDER BY b`;
}

const SERIES_KEYS: Record<(typeof ROLLUP_METRICS)[number][0], Exclude<keyof MetricSeries, "ts">> = {
  cpu_cores: "cpuCores",
  cpu_ratio: "cpuRatio",
  mem_used_bytes: "memUsedBytes",
  mem_total_bytes: "memTotalBytes",
  net_rx_bps: "netRxBps",
  net_tx_bps: "netTxBps",
  disk_read_bps: "diskReadBps",
  disk_write_bps: "diskWriteBps",
  load1: "load1",
};

/** A host's or a workload's averages per bucket over [from, to), from the tier the range calls for. */
export async function readHistory(pool: pg.Pool, q: HistoryQuery): Promise<History> {
  const points = q.points ?? DEFAULT_POINT_BUDGET;
  if (!(q.to > q.from) || !(points >= 1 && points <= MAX_POINT_BUDGET)) {
    throw new RangeError(`history needs to > from and 1 <= points <= ${MAX_POINT_BUDGET}`);
  }
  const rangeMs = q.to - q.from;
  const tier = pickTier(rangeMs);
  const bucketSeconds = pickBucketSeconds(rangeMs, tier, points, q.minBucketSeconds);
  const sources = (await sourcesFor(pool, tier, q.from, q.to)).filter((s) => s.to > s.from);
  const history = { tier, bucketSeconds, ts: [] as number[] } as History;
  for (const key of Object.values(SERIES_KEYS)) history[key] = [];
  if (sources.length === 0) return history;
  const { rows } = await pool.query<Record<string, number | null>>(historySql(sources, q.workloadId !== null), [
    q.hostId,
    bucketSeconds,
    ...(q.workloadId === null ? [] : [q.workloadId]),
    ...sources.flatMap((s) => [s.from, s.to]),
  ]);
  for (const row of rows) {
    history.ts.push(row.ts as number);
    for (const [column, key] of Object.entries(SERIES_KEYS)) history[key].push(row[column] ?? null);
  }
  return history;
}
