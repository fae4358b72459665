// Chart and dashboard reads over `samples`. Host rows are selected with "workload_id IS NULL",
// which the (host_id, workload_id, ts) index serves directly; time bounds let PostgreSQL skip
// every partition outside the range.
import type pg from "pg";
import type { SampleKind } from "./samples.js";

const DEFAULT_MAX_AGE_SECONDS = 600;
/** More points than any chart can draw; guards the database against a mistyped range. */
const MAX_BUCKETS = 20_000;

export interface HostSeriesQuery {
  hostId: string;
  /** ms since the epoch, inclusive. */
  from: number;
  /** ms since the epoch, exclusive. */
  to: number;
  bucketSeconds: number;
}

export interface WorkloadSeriesQuery extends HostSeriesQuery {
  /** The driver's id (Workload.externalId). */
  workloadId: string;
}

/** Column arrays of equal length, one entry per bucket that has data; averages, null where nothing was measured. */
export interface MetricSeries {
  /** Bucket start, in SECONDS since the epoch (what chart libraries such as uPlot take). */
  ts: number[];
  cpuCores: (number | null)[];
  cpuRatio: (number | null)[];
  memUsedBytes: (number | null)[];
  memTotalBytes: (number | null)[];
  netRxBps: (number | null)[];
  netTxBps: (number | null)[];
  diskReadBps: (number | null)[];
  diskWriteBps: (number | null)[];
  load1: (number | null)[];
}

type MetricName = Exclude<keyof MetricSeries, "ts">;
// Column and SQL type of each metric. Averages are cast back to the column's type: a REAL
// averaged as float8 prints float32 noise (0.6000000238) into every chart payload.
const METRICS: Record<MetricName, [column: string, type: "real" | "float8"]> = {
  cpuCores: ["cpu_cores", "real"],
  cpuRatio: ["cpu_ratio", "real"],
  memUsedBytes: ["mem_used_bytes", "float8"],
  memTotalBytes: ["mem_total_bytes", "float8"],
  netRxBps: ["net_rx_bps", "real"],
  netTxBps: ["net_tx_bps", "real"],
  diskReadBps: ["disk_read_bps", "real"],
  diskWriteBps: ["disk_write_bps", "real"],
  load1: ["load1", "real"],
};
const METRIC_NAMES = Object.keys(METRICS) as MetricName[];
const AVERAGES = METRIC_NAMES.map((k) => `avg(${METRICS[k][0]})::${METRICS[k][1]} AS "${k}"`).join(", ");

/** One stored sample; ts in ms since the epoch. */
export type LatestSample = {
  hostId: string;
  workloadId: string | null;
  kind: SampleKind;
  ts: number;
} & Record<MetricName, number | null>;

export interface RecentOptions {
  now?: number;
  /** Ignore samples older than this (default 10 minutes): a silent host shows no stale figures. */
  maxAgeSeconds?: number;
}

// date_bin with the epoch as origin keeps bucket edges fixed as the window slides.
const SERIES_SQL = (workloadFilter: string) => `
SELECT extract(epoch FROM date_bin(make_interval(secs => $4), ts, TIMESTAMPTZ '1970-01-01 00:00:00+00'))::float8 AS ts,
  ${AVERAGES}
FROM samples
WHERE host_id = $1 AND ${workloadFilter}
  AND ts >= to_timestamp($2 / 1000.0) AND ts < to_timestamp($3 / 1000.0)
GROUP BY 1 ORDER BY 1`;
const HOST_SERIES_SQL = SERIES_SQL("workload_id IS NULL");
const WORKLOAD_SERIES_SQL = SERIES_SQL("workload_id = $5");

/** Averages of the host's own rows per bucket, for the host detail charts. */
export function hostSeries(pool: pg.Pool, query: HostSeriesQuery): Promise<MetricSeries> {
  return runSeries(pool, HOST_SERIES_SQL, query, []);
}

/** Averages of one workload's rows per bucket. */
export function workloadSeries(pool: pg.Pool, query: WorkloadSeriesQuery): Promise<MetricSeries> {
  return runSeries(pool, WORKLOAD_SERIES_SQL, query, [query.workloadId]);
}

async function runSeries(pool: pg.Pool, sql: string, q: HostSeriesQuery, extra: unknown[]): Promise<MetricSeries> {
  if (!(q.bucketSeconds >= 1) || !(q.to > q.from)) {
    throw new RangeError("series needs bucketSeconds >= 1 and to > from");
  }
  if ((q.to - q.from) / 1000 / q.bucketSeconds > MAX_BUCKETS) {
    throw new RangeError(`series range holds more than ${MAX_BUCKETS} buckets; use a larger bucketSeconds`);
  }
  const { rows } = await pool.query<Record<keyof MetricSeries, number | null>>(sql, [
    q.hostId,
    q.from,
    q.to,
    q.bucketSeconds,
    ...extra,
  ]);
  const series = { ts: [] as number[] } as MetricSeries;
  for (const name of METRIC_NAMES) series[name] = [];
  for (const row of rows) {
    series.ts.push(row.ts as number);
    for (const name of METRIC_NAMES) series[name].push(row[name]);
  }
  return series;
}

/** The select list of a LatestSample, reading from the table alias `a`. */
function sampleColumns(a: string): string {
  const metrics = METRIC_NAMES.map((k) => `${a}.${METRICS[k][0]} AS "${k}"`).join(", ");
  return `${a}.host_id AS "hostId", ${a}.workload_id AS "workloadId", ${a}.kind,
    (extract(epoch FROM ${a}.ts) * 1000)::float8 AS ts, ${metrics}`;
}

/** The newest host row of each host that reported recently; hosts without one are absent. */
export async function latestHostSamples(
  pool: pg.Pool,
  hostIds: readonly string[],
  options: RecentOptions = {},
): Promise<LatestSample[]> {
  if (hostIds.length === 0) return [];
  // One index probe per host (LATERAL ... LIMIT 1) instead of reading every recent row.
  const { rows } = await pool.query<LatestSample>(
    `SELECT ${sampleColumns("l")}
     FROM unnest($1::text[]) AS h(id)
     CROSS JOIN LATERAL (
       SELECT * FROM samples s
       WHERE s.host_id = h.id AND s.workload_id IS NULL AND s.ts > to_timestamp($2 / 1000.0)
       ORDER BY s.ts DESC LIMIT 1
     ) l`,
    [hostIds, sinceMs(options)],
  );
  return rows;
}

/** The newest row of each workload on a host that reported recently. */
export async function latestWorkloadSamples(
  pool: pg.Pool,
  hostId: string,
  options: RecentOptions = {},
): Promise<LatestSample[]> {
  const { rows } = await pool.query<LatestSample>(
    `SELECT DISTINCT ON (s.workload_id) ${sampleColumns("s")}
     FROM samples s
     WHERE s.host_id = $1 AND s.workload_id IS NOT NULL AND s.ts > to_timestamp($2 / 1000.0)
     ORDER BY s.workload_id, s.ts DESC`,
    [hostId, sinceMs(options)],
  );
  return rows;
}

function sinceMs(options: RecentOptions): number {
  return (options.now ?? Date.now()) - (options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS) * 1000;
}

export interface SparklineOptions {
  minutes?: number;
  points?: number;
  now?: number;
}

/**
 * Host CPU ratio (0..1) over the last `minutes`, averaged into `points` equal buckets, oldest
 * first. Buckets without data are left out rather than padded, so an array can be shorter than
 * `points`; every requested host has an entry (empty when it sent nothing).
 */
export async function hostSparklines(
  pool: pg.Pool,
  hostIds: readonly string[],
  options: SparklineOptions = {},
): Promise<Map<string, number[]>> {
  const { minutes = 30, points = 30, now = Date.now() } = options;
  const result = new Map<string, number[]>(hostIds.map((id) => [id, []]));
  if (hostIds.length === 0) return result;
  const fromMs = now - minutes * 60_000;
  const bucketMs = (minutes * 60_000) / points;
  const { rows } = await pool.query<{ hostId: string; value: number }>(
    `SELECT "hostId", avg(cpu_ratio)::real AS value
     FROM (
       SELECT host_id AS "hostId", cpu_ratio, floor((extract(epoch FROM ts) * 1000 - $2) / $4) AS bucket
       FROM samples
       WHERE host_id = ANY($1::text[]) AND workload_id IS NULL AND cpu_ratio IS NOT NULL
         AND ts >= to_timestamp($2 / 1000.0) AND ts < to_timestamp($3 / 1000.0)
     ) recent
     GROUP BY "hostId", bucket
     ORDER BY "hostId", bucket`,
    [hostIds, fromMs, now, bucketMs],
  );
  for (const row of rows) result.get(row.hostId)?.push(row.value);
  return result;
}
