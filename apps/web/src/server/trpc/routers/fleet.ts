/** fleet.*: the fleet overview, one host, its charts and its workloads. */
import { z } from "zod";
import { getHostMetrics, METRIC_RANGES, type MetricRange } from "../../fleet/host-metrics.js";
import { getHostDetail, listHostRows } from "../../fleet/host-rows.js";
import { getFleetSummary } from "../../fleet/summary.js";
import { listHostWorkloads } from "../../fleet/workloads.js";
import { permission, router } from "../init.js";

const idSchema = z.string().min(1).max(200);
const rangeSchema = z.enum(Object.keys(METRIC_RANGES) as [MetricRange, ...MetricRange[]]);

export const fleetRouter = router({
  summary: permission("fleet.read").query(({ ctx }) => getFleetSummary(ctx.services, ctx.session.orgId)),

  hosts: permission("fleet.read").query(({ ctx }) => listHostRows(ctx.services, ctx.session.orgId)),

  host: permission("fleet.read")
    .input(z.object({ id: idSchema }))
    .query(({ ctx, input }) => getHostDetail(ctx.services, ctx.session.orgId, input.id)),

  hostMetrics: permission("fleet.read")
    .input(z.object({ id: idSchema, range: rangeSchema }))
    .query(({ ctx, input }) =>
      getHostMetrics(ctx.services, ctx.session.orgId, { hostId: input.id, range: input.range }),
    ),

  workloads: permission("fleet.read")
    .input(z.object({ hostId: idSchema }))
    .query(({ ctx, input }) => listHostWorkloads(ctx.services, ctx.session.orgId, input.hostId)),
});
