/**
 * webhooks.*: webhook endpoints, their delivery logs, "send test" and secret rotation (see
 * server/webhooks). An endpoint belongs to a team and gets that team's alerts (none:
 * organisation-wide, every team's alerts, owner and org-wide roles only); deliveries follow it.
 */
import { z } from "zod";
import { holdsIn } from "../../access/principal.js";
import { teamsWith } from "../../access/scope.js";
import type { SessionInfo } from "../../auth/sessions.js";
import {
  createEndpoint,
  endpointInputSchema,
  listDeliveries,
  listEndpoints,
  removeEndpoint,
  rotateSecret,
  sendTest,
  updateEndpoint,
  type WebhookContext,
} from "../../webhooks/endpoints.js";
import type { Context } from "../context.js";
import { on, permission, router } from "../init.js";

const idSchema = z.object({ id: z.string().min(1).max(100) });

function webhookContext(ctx: Context & { session: SessionInfo }): WebhookContext {
  return { services: ctx.services, actor: { orgId: ctx.session.orgId, userId: ctx.session.userId, ip: ctx.ip } };
}

export const webhooksRouter = router({
  list: permission("alerts.read").query(({ ctx }) => {
    const principal = ctx.session;
    const manages = (teamId: string | null) =>
      teamId ? holdsIn(principal, teamId, "webhooks.manage") : principal.everywhere.has("webhooks.manage");
    return listEndpoints(webhookContext(ctx), teamsWith(principal, "alerts.read"), manages);
  }),
  deliveries: permission("alerts.read", on("webhookEndpoint", "endpointId"))
    .input(z.object({ endpointId: z.string().min(1).max(100), limit: z.number().int().min(1).max(200).default(50) }))
    .query(({ ctx, input }) => listDeliveries(webhookContext(ctx), input.endpointId, input.limit)),
  /** Returns the signing secret: the only time it is shown. */
  create: permission("webhooks.manage", on("team", "teamId", "everyTeam"))
    .input(endpointInputSchema)
    .mutation(({ ctx, input }) => createEndpoint(webhookContext(ctx), input)),
  /** Both the endpoint's team and the team it is moved to (if any) must be the caller's. */
  update: permission("webhooks.manage", on("webhookEndpoint", "id"), on("team", "endpoint.teamId", "everyTeam"))
    .input(z.object({ id: z.string().min(1).max(100), endpoint: endpointInputSchema, enabled: z.boolean() }))
    .mutation(({ ctx, input }) =>
      updateEndpoint(webhookContext(ctx), input.id, { ...input.endpoint, enabled: input.enabled }),
    ),
  rotateSecret: permission("webhooks.manage", on("webhookEndpoint", "id"))
    .input(idSchema)
    .mutation(({ ctx, input }) => rotateSecret(webhookContext(ctx), input.id)),
  remove: permission("webhooks.manage", on("webhookEndpoint", "id"))
    .input(idSchema)
    .mutation(async ({ ctx, input }) => {
      await removeEndpoint(webhookContext(ctx), input.id);
      return { ok: true as const };
    }),
  sendTest: permission("webhooks.manage", on("webhookEndpoint", "id"))
    .input(idSchema)
    .mutation(({ ctx, input }) => sendTest(webhookContext(ctx), input.id)),
});
