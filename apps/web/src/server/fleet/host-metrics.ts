/** Chart series for a host: a time range picked in the UI -> buckets the charts can draw. */
import { hostSeries, type MetricSeries } from "@flotilla/db";
import type { Services } from "../services.js";
import { assertHostInOrg } from "./host-rows.js";

export const METRIC_RANGES = {
  "1h": { ms: 3_600_000, bucketSeconds: 5 },
  "24h": { ms: 86_400_000, bucketSeconds: 60 },
  "7d": { ms: 7 * 86_400_000, bucketSeconds: 600 },
} as const;
export type MetricRange = keyof typeof METRIC_RANGES;

/** The query window of a range ending now, in ms since the epoch, with its bucket width. */
export function seriesWindow(range: MetricRange, now: number): { from: number; to: number; bucketSeconds: number } {
  const { ms, bucketSeconds } = METRIC_RANGES[range];
  // Align `to` to the next bucket edge so the newest bucket is complete-looking and cacheable.
  const to = Math.ceil(now / (bucketSeconds * 1000)) * bucketSeconds * 1000;
  return { from: to - ms, to, bucketSeconds };
}

export async function getHostMetrics(
  deps: Pick<Services, "prisma" | "pool">,
  orgId: string,
  input: { hostId: string; range: MetricRange },
  now = Date.now(),
): Promise<MetricSeries> {
  await assertHostInOrg(deps.prisma, orgId, input.hostId);
  return hostSeries(deps.pool, { hostId: input.hostId, ...seriesWindow(input.range, now) });
}
