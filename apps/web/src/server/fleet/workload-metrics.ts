/** Chart series for one VM or container, over the same ranges and buckets as a host's charts. */
import type { MetricSeries } from "@flotilla/db";
import type { Services } from "../services.js";
import { type MetricRange, readChartSeries } from "./host-metrics.js";
import { findWorkloadInOrg } from "./workload-detail.js";

export async function getWorkloadMetrics(
  deps: Pick<Services, "prisma" | "pool">,
  orgId: string,
  input: { workloadId: string; range: MetricRange },
  now = Date.now(),
): Promise<MetricSeries> {
  const w = await findWorkloadInOrg(deps.prisma, orgId, input.workloadId);
  // Samples are keyed by the driver's id on its host, not by our row id.
  return readChartSeries(deps.pool, { hostId: w.hostId, workloadId: w.externalId, range: input.range, now });
}
