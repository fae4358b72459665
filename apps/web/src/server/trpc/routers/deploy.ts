/**
 * deploy.*: deployments (replicated containers placed by the scheduler and rolled out by the
 * reconciler) and compose stacks on one host. Reads need fleet.read, changes deploy.manage; the
 * commands the rollout sends are checked against the role when the change is asked for.
 */

import { keepVisibleByHost, keepVisibleByTeam, teamsWith } from "../../access/scope.js";
import type { SessionInfo } from "../../auth/sessions.js";
import {
  createDeployment,
  type DeployContext,
  getDeployment,
  listDeployments,
  removeDeployment,
  scaleDeployment,
  updateDeployment,
} from "../../deploy/deployments.js";
import {
  byIdInput,
  createDeploymentInput,
  deployStackInput,
  listInput,
  previewPlacementInput,
  scaleDeploymentInput,
  updateDeploymentInput,
} from "../../deploy/inputs.js";
import { previewPlacement } from "../../deploy/preview.js";
import { deployStack, getStack, listStacks, removeStack } from "../../deploy/stacks.js";
import { AppError } from "../../errors.js";
import type { Context } from "../context.js";
import { on, permission, router } from "../init.js";

function deployContext(ctx: Context & { session: SessionInfo }): DeployContext {
  const { prisma, pool, live } = ctx.services;
  return {
    prisma,
    pool,
    live,
    log: ctx.log,
    actor: { orgId: ctx.session.orgId, userId: ctx.session.userId, role: ctx.session.role, ip: ctx.ip },
  };
}

export const deployRouter = router({
  list: permission("fleet.read")
    .input(listInput)
    .query(async ({ ctx, input }) =>
      keepVisibleByTeam(
        ctx.session,
        "fleet.read",
        await listDeployments(ctx.services, ctx.session.orgId, input.includeRemoved),
        (d) => d.teamId,
      ),
    ),

  get: permission("fleet.read", on("deployment", "id"))
    .input(byIdInput)
    .query(({ ctx, input }) => getDeployment(ctx.services, ctx.session.orgId, input.id)),

  previewPlacement: permission(
    "fleet.read",
    on("host", "hostId"),
    on("deployment", "deploymentId"),
    on("team", "teamId"),
  )
    .input(previewPlacementInput)
    .query(({ ctx, input }) => {
      // Without a team or deployment the preview shows every team's hosts: only for org-wide readers.
      if (!input.teamId && !input.deploymentId && teamsWith(ctx.session, "fleet.read") !== "all") {
        throw new AppError("invalid", "teamId: choose the team to preview the placement in.");
      }
      return previewPlacement(ctx.services, ctx.session.orgId, input);
    }),

  create: permission("deploy.manage", on("team", "teamId", "everyTeam"), on("host", "hostId"))
    .input(createDeploymentInput)
    .mutation(({ ctx, input }) => createDeployment(deployContext(ctx), input)),

  update: permission("deploy.manage", on("deployment", "id"), on("host", "hostId"))
    .input(updateDeploymentInput)
    .mutation(({ ctx, input }) => updateDeployment(deployContext(ctx), input)),

  scale: permission("deploy.manage", on("deployment", "id"))
    .input(scaleDeploymentInput)
    .mutation(({ ctx, input }) => scaleDeployment(deployContext(ctx), input)),

  remove: permission("deploy.manage", on("deployment", "id"))
    .input(byIdInput)
    .mutation(({ ctx, input }) => removeDeployment(deployContext(ctx), input.id)),

  listStacks: permission("fleet.read")
    .input(listInput)
    .query(async ({ ctx, input }) =>
      keepVisibleByHost(
        ctx.services.prisma,
        ctx.session,
        "fleet.read",
        await listStacks(ctx.services, ctx.session.orgId, input.includeRemoved),
        (s) => s.hostId,
      ),
    ),

  getStack: permission("fleet.read", on("stack", "id"))
    .input(byIdInput)
    .query(({ ctx, input }) => getStack(ctx.services, ctx.session.orgId, input.id)),

  deployStack: permission("deploy.manage", on("team", "teamId", "everyTeam"), on("host", "hostId"))
    .input(deployStackInput)
    .mutation(({ ctx, input }) => deployStack(deployContext(ctx), input)),

  removeStack: permission("deploy.manage", on("stack", "id"))
    .input(byIdInput)
    .mutation(({ ctx, input }) => removeStack(deployContext(ctx), input.id)),
});
