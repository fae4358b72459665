/** fleet.*: the fleet overview, one host, one workload, their charts, workloads and events. */
import { z } from "zod";
import { teamsWith, withHostTeams } from "../../access/scope.js";
import { listHostEvents } from "../../fleet/host-events.js";
import { getHostMetrics, METRIC_RANGES, type MetricRange } from "../../fleet/host-metrics.js";
import { getHostDetail, listHostRows } from "../../fleet/host-rows.js";
import { removeHost } from "../../fleet/remove-host.js";
import { getFleetSummary } from "../../fleet/summary.js";
import { getWorkloadDetail } from "../../fleet/workload-detail.js";
import { getWorkloadHistory } from "../../fleet/workload-history.js";
import { getWorkloadMetrics } from "../../fleet/workload-metrics.js";
import { listHostWorkloads } from "../../fleet/workloads.js";
import { on, permission, router } from "../init.js";

const idSchema = z.string().min(1).max(200);
const rangeSchema = z.enum(Object.keys(METRIC_RANGES) as [MetricRange, ...MetricRange[]]);
const limitSchema = z.number().int().min(1).max(200).default(50);

export const fleetRouter = router({
  summary: permission("fleet.read").query(({ ctx }) =>
    getFleetSummary(ctx.services, ctx.session.orgId, teamsWith(ctx.session, "fleet.read")),
  ),

  hosts: permission("fleet.read").query(async ({ ctx }) =>
    withHostTeams(
      ctx.services.prisma,
      ctx.session,
      "fleet.read",
      await listHostRows(ctx.services, ctx.session.orgId),
      (h) => h.id,
    ),
  ),

  host: permission("fleet.read", on("host", "id"))
    .input(z.object({ id: idSchema }))
    .query(async ({ ctx, input }) => {
      const detail = await getHostDetail(ctx.services, ctx.session.orgId, input.id);
      const [scoped] = await withHostTeams(ctx.services.prisma, ctx.session, "fleet.read", [detail], () => input.id);
      return scoped ?? { ...detail, teamId: "" };
    }),

  /** Takes a host out of the fleet for good: revokes its agent, forgets its history (see fleet/remove-host). */
  removeHost: permission("hosts.manage", on("host", "id"))
    .input(z.object({ id: idSchema }))
    .mutation(({ ctx, input }) => removeHost(ctx.services, ctx.session.orgId, input.id)),

  hostMetrics: permission("fleet.read", on("host", "id"))
    .input(z.object({ id: idSchema, range: rangeSchema }))
    .query(({ ctx, input }) =>
      getHostMetrics(ctx.services, ctx.session.orgId, { hostId: input.id, range: input.range }),
    ),

  hostEvents: permission("fleet.read", on("host", "hostId"))
    .input(z.object({ hostId: idSchema, limit: limitSchema, before: idSchema.optional() }))
    .query(({ ctx, input }) => listHostEvents(ctx.services, ctx.session.orgId, input)),

  workloads: permission("fleet.read", on("host", "hostId"))
    .input(z.object({ hostId: idSchema }))
    .query(async ({ ctx, input }) =>
      withHostTeams(
        ctx.services.prisma,
        ctx.session,
        "fleet.read",
        await listHostWorkloads(ctx.services, ctx.session.orgId, input.hostId),
        () => input.hostId,
      ),
    ),

  workload: permission("fleet.read", on("workload", "id"))
    .input(z.object({ id: idSchema }))
    .query(async ({ ctx, input }) => {
      const detail = await getWorkloadDetail(ctx.services, ctx.session.orgId, input.id);
      const [scoped] = await withHostTeams(ctx.services.prisma, ctx.session, "fleet.read", [detail], (w) => w.host.id);
      return scoped ?? { ...detail, teamId: "" };
    }),

  workloadMetrics: permission("fleet.read", on("workload", "id"))
    .input(z.object({ id: idSchema, range: rangeSchema }))
    .query(({ ctx, input }) =>
      getWorkloadMetrics(ctx.services, ctx.session.orgId, { workloadId: input.id, range: input.range }),
    ),

  workloadHistory: permission("fleet.read", on("workload", "id"))
    .input(z.object({ id: idSchema, limit: limitSchema }))
    .query(({ ctx, input }) =>
      getWorkloadHistory(ctx.services, ctx.session.orgId, { workloadId: input.id, limit: input.limit }),
    ),
});
