/**
 * Chart series for a host: a time range picked in the UI -> buckets the charts can draw. The
 * range picks the storage tier (raw, 1-minute or 1-hour rollups: see @flotilla/db sample-history).
 */
import { type MetricSeries, readHistory } from "@flotilla/db";
import type { Services } from "../services.js";
import { assertHostInOrg } from "./host-rows.js";

export const METRIC_RANGES = {
  "1h": { ms: 3_600_000, bucketSeconds: 5 },
  "24h": { ms: 86_400_000, bucketSeconds: 60 },
  "7d": { ms: 7 * 86_400_000, bucketSeconds: 600 },
  "30d": { ms: 30 * 86_400_000, bucketSeconds: 3600 },
} as const;
export type MetricRange = keyof typeof METRIC_RANGES;

/** The query window of a range ending now, in ms since the epoch, with its bucket width. */
export function seriesWindow(range: MetricRange, now: number) {
  const { ms, bucketSeconds } = METRIC_RANGES[range];
  // Align `to` to the next bucket edge so the newest bucket is complete-looking and cacheable.
  const to = Math.ceil(now / (bucketSeconds * 1000)) * bucketSeconds * 1000;
  // The range's bucket width is also its point budget, so every range draws at its fixed width.
  return { from: to - ms, to, minBucketSeconds: bucketSeconds, points: Math.ceil(ms / 1000 / bucketSeconds) };
}

/** The chart payload: the series alone, without the tier details readHistory adds. */
export async function readChartSeries(
  pool: Services["pool"],
  query: { hostId: string; workloadId: string | null; range: MetricRange; now: number },
): Promise<MetricSeries> {
  const {
    tier: _tier,
    bucketSeconds: _bucket,
    ...series
  } = await readHistory(pool, {
    hostId: query.hostId,
    workloadId: query.workloadId,
    ...seriesWindow(query.range, query.now),
  });
  return series;
}

export async function getHostMetrics(
  deps: Pick<Services, "prisma" | "pool">,
  orgId: string,
  input: { hostId: string; range: MetricRange },
  now = Date.now(),
): Promise<MetricSeries> {
  await assertHostInOrg(deps.prisma, orgId, input.hostId);
  return readChartSeries(deps.pool, { hostId: input.hostId, workloadId: null, range: input.range, now });
}
