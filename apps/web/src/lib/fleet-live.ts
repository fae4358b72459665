/**
 * Folding live Socket.IO events into cached tRPC results, so screens update without
 * refetching. Pure functions: rows that an event does not touch keep their identity,
 * which lets memoised table rows and heatmap cells skip re-rendering.
 */
import type { HostMetricsEvent, HostStatusEvent, WorkloadMetricsEvent } from "@/shared/live-events";
import type { HostMetrics, HostRow, MetricsRange } from "./api-types";

/** How many CPU points a table sparkline keeps (the server sends one per minute). */
export const SPARK_POINTS = 30;
const SPARK_STEP_MS = 60_000;

export const RANGE_SECONDS: Record<MetricsRange, number> = {
  "1h": 3_600,
  "24h": 86_400,
  "7d": 7 * 86_400,
  "30d": 30 * 86_400,
};

/**
 * Bucket widths the server averages each range into (fleet.hostMetrics). Live samples are
 * folded into the same buckets so the tail of a 7-day chart does not turn into a dense
 * scribble of raw ticks.
 */
export const RANGE_BUCKET_SECONDS: Record<MetricsRange, number> = {
  "1h": 5,
  "24h": 60,
  "7d": 600,
  "30d": 3600,
};

/**
 * The sparkline holds one point per minute: a tick in the same minute as the previous one
 * moves the newest point, a tick in a new minute adds one.
 */
function nextSpark(row: HostRow, e: HostMetricsEvent): number[] {
  if (e.cpuRatio === null) return row.spark;
  const previousTs = row.now?.ts;
  const sameMinute =
    typeof previousTs === "number" &&
    row.spark.length > 0 &&
    Math.floor(previousTs / SPARK_STEP_MS) === Math.floor(e.ts / SPARK_STEP_MS);
  const base = sameMinute ? row.spark.slice(0, -1) : row.spark;
  return [...base.slice(-(SPARK_POINTS - 1)), e.cpuRatio];
}

function applyMetricsToRow(row: HostRow, e: HostMetricsEvent): HostRow {
  return {
    ...row,
    now: { ts: e.ts, cpuRatio: e.cpuRatio, memRatio: e.memRatio },
    spark: nextSpark(row, e),
    lastSeenAt: new Date(e.ts).toISOString(),
  };
}

/**
 * Applies the latest metrics event per host (the caller coalesces bursts into a map).
 * Returns the same array when no row changed.
 */
export function applyHostMetrics(rows: HostRow[], latest: ReadonlyMap<string, HostMetricsEvent>): HostRow[] {
  if (latest.size === 0) return rows;
  let changed = false;
  const next = rows.map((row) => {
    const e = latest.get(row.id);
    if (!e) return row;
    changed = true;
    return applyMetricsToRow(row, e);
  });
  return changed ? next : rows;
}

/** Applies status changes; an offline host loses its "now" figures. */
export function applyHostStatus(rows: HostRow[], latest: ReadonlyMap<string, HostStatusEvent>): HostRow[] {
  if (latest.size === 0) return rows;
  let changed = false;
  const next = rows.map((row) => {
    const e = latest.get(row.id);
    if (!e || (e.status === row.status && e.lastSeenAt === row.lastSeenAt)) return row;
    changed = true;
    return {
      ...row,
      status: e.status,
      lastSeenAt: e.lastSeenAt ?? row.lastSeenAt,
      now: e.status === "offline" ? null : row.now,
    };
  });
  return changed ? next : rows;
}

/** Merges a single metrics event into a host's detail record. */
export function applyMetricsToHost<T extends HostRow>(host: T, e: HostMetricsEvent): T {
  return { ...host, ...applyMetricsToRow(host, e) };
}

type SeriesColumn = Exclude<keyof HostMetrics, "ts">;

/** A series with no buckets, to draw while the history loads. */
export const EMPTY_SERIES: HostMetrics = {
  ts: [],
  cpuCores: [],
  cpuRatio: [],
  memUsedBytes: [],
  memTotalBytes: [],
  netRxBps: [],
  netTxBps: [],
  diskReadBps: [],
  diskWriteBps: [],
  load1: [],
};

/**
 * Folds one live sample into a columnar history (a host's or a workload's): into the newest
 * bucket when it falls in it (the newest value wins), as a new bucket otherwise. Buckets that
 * slid out of the range window are dropped; samples older than the newest bucket are ignored
 * (duplicates after a reconnect, or a refetch that already holds them). Columns the sample
 * does not carry get null, so every column keeps the same length.
 */
export function appendSample(
  history: HostMetrics,
  tsMs: number,
  values: Partial<Record<SeriesColumn, number | null>>,
  range: MetricsRange,
): HostMetrics {
  const bucketSeconds = RANGE_BUCKET_SECONDS[range];
  const bucket = Math.floor(tsMs / 1000 / bucketSeconds) * bucketSeconds;
  const lastIndex = history.ts.length - 1;
  const last = history.ts[lastIndex];
  if (last !== undefined && bucket < last) return history;

  const replace = last === bucket;
  const cutoff = bucket - RANGE_SECONDS[range];
  let drop = 0;
  while (drop < history.ts.length && (history.ts[drop] ?? 0) < cutoff) drop += 1;

  const fold = <V>(column: readonly V[], value: V): V[] => {
    const kept = column.slice(drop, replace ? lastIndex : undefined);
    kept.push(value);
    return kept;
  };
  const next = { ...history, ts: fold(history.ts, bucket) };
  for (const key of Object.keys(history) as Array<keyof HostMetrics>) {
    if (key === "ts") continue;
    const column = history[key];
    if (Array.isArray(column)) {
      (next as Record<string, unknown>)[key] = fold(column as (number | null)[], values[key] ?? null);
    }
  }
  return next;
}

/** A `host:metrics` event folded into a host's history (see appendSample). */
export function appendHostSample(history: HostMetrics, e: HostMetricsEvent, range: MetricsRange): HostMetrics {
  return appendSample(history, e.ts, e as unknown as Partial<Record<SeriesColumn, number | null>>, range);
}

type WorkloadItem = WorkloadMetricsEvent["items"][number];

/** One workload's entry of a `workload:metrics` event folded into its history (see appendSample). */
export function appendWorkloadSample(
  history: HostMetrics,
  ts: number,
  item: WorkloadItem,
  range: MetricsRange,
): HostMetrics {
  const { cpuCores, memUsedBytes, netRxBps, netTxBps, diskReadBps, diskWriteBps } = item;
  return appendSample(history, ts, { cpuCores, memUsedBytes, netRxBps, netTxBps, diskReadBps, diskWriteBps }, range);
}

/** How many points a workload row's CPU sparkline keeps (one per live tick). */
export const WORKLOAD_SPARK_POINTS = 30;

/**
 * Appends each running workload's CPU use (as a share of its vCPUs, or of the host's cores
 * when it has no limit) to its sparkline; workloads absent from the event keep theirs.
 * Keys are `kind:externalId`, as live items are keyed.
 */
export function appendWorkloadSparks(
  sparks: ReadonlyMap<string, readonly number[]>,
  items: readonly WorkloadItem[],
  capacityOf: (key: string) => number | null,
): Map<string, readonly number[]> {
  const next = new Map(sparks);
  for (const item of items) {
    const key = workloadKey(item.kind, item.externalId);
    const capacity = capacityOf(key);
    if (!capacity || capacity <= 0) continue;
    const previous = next.get(key) ?? [];
    next.set(key, [...previous.slice(-(WORKLOAD_SPARK_POINTS - 1)), item.cpuCores / capacity]);
  }
  return next;
}

/** How live items and workload rows are matched: driver ids are unique per kind on a host. */
export function workloadKey(kind: string, externalId: string): string {
  return `${kind}:${externalId}`;
}

/**
 * Puts a null between two points further apart than `maxGapSeconds`, so charts break the
 * line where a host did not report instead of drawing a straight line across the hole.
 */
export function insertGaps<T extends { ts: number[] }>(series: T, maxGapSeconds: number): T {
  const { ts } = series;
  const breaks: number[] = [];
  for (let i = 1; i < ts.length; i++) {
    if ((ts[i] ?? 0) - (ts[i - 1] ?? 0) > maxGapSeconds) breaks.push(i);
  }
  if (breaks.length === 0) return series;
  const out: Record<string, unknown> = { ...series };
  for (const key of Object.keys(series) as Array<keyof T & string>) {
    const column = series[key];
    if (!Array.isArray(column)) continue;
    const copy: unknown[] = [];
    let b = 0;
    column.forEach((value, i) => {
      if (breaks[b] === i) {
        const prev = ts[i - 1] ?? 0;
        copy.push(key === "ts" ? prev + 1 : null);
        b += 1;
      }
      copy.push(value);
    });
    out[key] = copy;
  }
  return out as T;
}

/**
 * Fleet-wide figures recomputed from the live host rows, so tiles and table never disagree.
 * Capacity counts only hosts that are reachable: an offline host's cores are not usable.
 */
export function summariseHosts(rows: readonly HostRow[]) {
  const counts = { online: 0, offline: 0, maintenance: 0, total: rows.length };
  let usedCores = 0;
  let totalCores = 0;
  let usedBytes = 0;
  let totalBytes = 0;
  for (const row of rows) {
    counts[row.status] += 1;
    if (row.status === "offline") continue;
    totalCores += row.cpuCores;
    totalBytes += row.memoryBytes;
    if (row.now) {
      usedCores += (row.now.cpuRatio ?? 0) * row.cpuCores;
      usedBytes += (row.now.memRatio ?? 0) * row.memoryBytes;
    }
  }
  return { hosts: counts, cpu: { usedCores, totalCores }, memory: { usedBytes, totalBytes } };
}
