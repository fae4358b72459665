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

export async function getHostMetrics(
  deps: Pick<Services, "prisma" | "pool">,
  orgId: string,
  input: { hostId: string; range: MetricRange },
  now = Date.now(),
): Promise<MetricSeries> {
  await assertHostInOrg(deps.prisma, orgId, input.hostId);
  const { ms, bucketSeconds } = METRIC_RANGES[input.range];
  // Align `to` to the next bucket edge so the newest bucket is complete-looking and cacheable.
  const to = Math.ceil(now / (bucketSeconds * 1000)) * bucketSeconds * 1000;
  return hostSeries(deps.pool, { hostId: input.hostId, from: to - ms, to, bucketSeconds });
}
