/** plans.*: consolidation plans — build, review, approve (role-gated), follow, cancel (see server/plans). */
import { z } from "zod";
import { keepVisiblePlans } from "../../access/plan-scope.js";
import { teamsWith } from "../../access/scope.js";
import type { SessionInfo } from "../../auth/sessions.js";
import { listScopes, setHostGroup } from "../../plans/host-groups.js";
import { hostGroupSchema, planOptionsSchema, planScopeSchema } from "../../plans/plan-input.js";
import {
  approvePlan,
  cancelPlan,
  createPlan,
  getPlan,
  listPlans,
  markStandby,
  type PlansContext,
} from "../../plans/plans.js";
import type { Context } from "../context.js";
import { on, permission, router } from "../init.js";

const idSchema = z.string().min(1).max(200);

function plansContext(ctx: Context & { session: SessionInfo }): PlansContext {
  const { prisma, live, pool } = ctx.services;
  return {
    prisma,
    live,
    pool,
    log: ctx.log,
    actor: { orgId: ctx.session.orgId, userId: ctx.session.userId, role: ctx.session.role, ip: ctx.ip },
  };
}

export const plansRouter = router({
  create: permission("plans.create", on("planScope", "scope", "everyTeam"))
    .input(
      planOptionsSchema.extend({
        scope: planScopeSchema.default("all"),
        concurrency: z.number().int().min(1).max(16).default(2),
        storage: z.enum(["shared", "copy"]).default("copy"),
        acceptVolumeLoss: z.boolean().default(false),
      }),
    )
    .mutation(({ ctx, input }) => createPlan(plansContext(ctx), input)),

  get: permission("fleet.read", on("plan", "id"))
    .input(z.object({ id: idSchema }))
    .query(({ ctx, input }) => getPlan(plansContext(ctx), input.id)),

  list: permission("fleet.read")
    .input(z.object({ limit: z.number().int().min(1).max(200).default(50) }).default({ limit: 50 }))
    .query(async ({ ctx, input }) =>
      keepVisiblePlans(ctx.services.prisma, ctx.session, await listPlans(plansContext(ctx), input.limit)),
    ),

  approve: permission("plans.approve", on("plan", "id"))
    .input(z.object({ id: idSchema }))
    .mutation(({ ctx, input }) => approvePlan(plansContext(ctx), input.id)),

  cancel: permission("plans.approve", on("plan", "id"))
    .input(z.object({ id: idSchema }))
    .mutation(({ ctx, input }) => cancelPlan(plansContext(ctx), input.id)),

  /** What a plan can be scoped to: host groups (with host counts) and teams, of the teams the caller reads. */
  scopes: permission("fleet.read").query(({ ctx }) =>
    listScopes(plansContext(ctx), teamsWith(ctx.session, "fleet.read")),
  ),

  /** Puts hosts in a host group (null: none), for plans scoped to a group; every host's team must be the caller's. */
  setHostGroup: permission("hosts.manage", on("hostList", "hostIds"))
    .input(z.object({ hostIds: z.array(idSchema).min(1).max(5000), group: hostGroupSchema.nullable() }))
    .mutation(({ ctx, input }) => setHostGroup(plansContext(ctx), input.hostIds, input.group)),

  /** Labels an emptied host `flotilla.standby`: later plans keep it empty. Powers nothing down. */
  markStandby: permission("hosts.manage", on("host", "hostId"))
    .input(z.object({ hostId: idSchema }))
    .mutation(({ ctx, input }) => markStandby(plansContext(ctx), input.hostId)),
});
