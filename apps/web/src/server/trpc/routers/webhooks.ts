/** webhooks.*: an organisation's webhook endpoints, their delivery logs, "send test" and secret rotation (see server/webhooks). */
import { z } from "zod";
import { roleHasPermission } from "../../access/permissions.js";
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
import { permission, router } from "../init.js";

const idSchema = z.object({ id: z.string().min(1).max(100) });

function webhookContext(ctx: Context & { session: SessionInfo }): WebhookContext {
  return { services: ctx.services, actor: { orgId: ctx.session.orgId, userId: ctx.session.userId, ip: ctx.ip } };
}

export const webhooksRouter = router({
  list: permission("alerts.read").query(({ ctx }) =>
    listEndpoints(webhookContext(ctx), roleHasPermission(ctx.session.role, "webhooks.manage")),
  ),
  deliveries: permission("alerts.read")
    .input(z.object({ endpointId: z.string().min(1).max(100), limit: z.number().int().min(1).max(200).default(50) }))
    .query(({ ctx, input }) => listDeliveries(webhookContext(ctx), input.endpointId, input.limit)),
  /** Returns the signing secret: the only time it is shown. */
  create: permission("webhooks.manage")
    .input(endpointInputSchema)
    .mutation(({ ctx, input }) => createEndpoint(webhookContext(ctx), input)),
  update: permission("webhooks.manage")
    .input(z.object({ id: z.string().min(1).max(100), endpoint: endpointInputSchema, enabled: z.boolean() }))
    .mutation(({ ctx, input }) =>
      updateEndpoint(webhookContext(ctx), input.id, { ...input.endpoint, enabled: input.enabled }),
    ),
  rotateSecret: permission("webhooks.manage")
    .input(idSchema)
    .mutation(({ ctx, input }) => rotateSecret(webhookContext(ctx), input.id)),
  remove: permission("webhooks.manage")
    .input(idSchema)
    .mutation(async ({ ctx, input }) => {
      await removeEndpoint(webhookContext(ctx), input.id);
      return { ok: true as const };
    }),
  sendTest: permission("webhooks.manage")
    .input(idSchema)
    .mutation(({ ctx, input }) => sendTest(webhookContext(ctx), input.id)),
});
