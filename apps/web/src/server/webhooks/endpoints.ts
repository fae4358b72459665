/** Webhook endpoints of an organisation: create (the secret is shown once), change, rotate, remove, test, and their logs. */
import { z } from "zod";
import { AppError } from "../errors.js";
import type { Services } from "../services.js";
import { enqueueDelivery } from "./deliveries.js";
import { type AlertNotice, WEBHOOK_EVENTS, WEBHOOK_FORMATS, type WebhookFormat } from "./payloads.js";
import { sealWebhookSecret } from "./secrets.js";
import { generateWebhookSecret } from "./signing.js";
import { assertWebhookUrl, parseAllowList } from "./ssrf.js";

/** How long the old secret keeps signing after a rotation, so receivers can switch over. */
export const ROTATION_GRACE_MS = 24 * 3600_000;

export const endpointInputSchema = z.object({
  name: z.string().trim().min(1).max(120),
  url: z.string().trim().min(1).max(2000),
  teamId: z.string().min(1).max(100).nullable().default(null),
  format: z.enum(WEBHOOK_FORMATS).default("generic"),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).default(["alert.firing", "alert.resolved", "alert.repeat"]),
});
export type EndpointInput = z.infer<typeof endpointInputSchema>;

export interface WebhookContext {
  services: Pick<Services, "prisma" | "pool" | "config" | "jobs" | "log">;
  actor: { orgId: string; userId: string; ip: string };
}

export interface EndpointView {
  id: string;
  name: string;
  url: string;
  teamId: string | null;
  format: string;
  events: string[];
  enabled: boolean;
  disabledReason: string | null;
  failingSince: Date | null;
  rotating: boolean;
  createdAt: Date;
}

type EndpointRow = Awaited<ReturnType<WebhookContext["services"]["prisma"]["webhookEndpoint"]["findFirstOrThrow"]>>;

function toView(e: EndpointRow): EndpointView {
  return {
    id: e.id,
    name: e.name,
    url: e.url,
    teamId: e.teamId,
    format: e.format,
    events: e.events,
    enabled: e.enabled,
    disabledReason: e.disabledReason,
    failingSince: e.failingSince,
    rotating: !!e.previousSecretUntil && e.previousSecretUntil.getTime() > Date.now(),
    createdAt: e.createdAt,
  };
}

async function checkInput(ctx: WebhookContext, input: EndpointInput) {
  assertWebhookUrl(input.url, parseAllowList(ctx.services.config.webhooks.allowCidrs));
  if (input.teamId) {
    const team = await ctx.services.prisma.team.findFirst({ where: { id: input.teamId, orgId: ctx.actor.orgId } });
    if (!team) throw new AppError("not_found", "No such team in your organisation.");
  }
}

async function findOwn(ctx: WebhookContext, id: string): Promise<EndpointRow> {
  const e = await ctx.services.prisma.webhookEndpoint.findFirst({ where: { id, orgId: ctx.actor.orgId } });
  if (!e) throw new AppError("not_found", "No such webhook endpoint.");
  return e;
}

async function audit(ctx: WebhookContext, action: string, id: string) {
  await ctx.services.prisma.auditEntry.create({
    data: {
      orgId: ctx.actor.orgId,
      actorId: ctx.actor.userId,
      actor: `user:${ctx.actor.userId}`,
      action,
      target: `webhook:${id}`,
      ip: ctx.actor.ip,
    },
  });
}

/**
 * The endpoints of the visible teams ("all": org-wide ones too); full URLs only where the caller
 * manages the endpoint (`managesTeam`, null for org-wide): a receiver URL often carries its own
 * credential (Slack's do), so others see scheme and host only.
 */
export async function listEndpoints(
  ctx: WebhookContext,
  teams: "all" | string[],
  managesTeam: (teamId: string | null) => boolean,
): Promise<EndpointView[]> {
  const rows = await ctx.services.prisma.webhookEndpoint.findMany({
    where: { orgId: ctx.actor.orgId, ...(teams === "all" ? {} : { teamId: { in: teams } }) },
    orderBy: { createdAt: "asc" },
  });
  return rows.map((row) => {
    const view = toView(row);
    return managesTeam(row.teamId) ? view : { ...view, url: maskUrl(view.url) };
  });
}

export function maskUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}/…`;
  } catch {
    return "…";
  }
}

/** The new endpoint, with its signing secret: the only time the secret is shown. */
export async function createEndpoint(ctx: WebhookContext, input: EndpointInput) {
  await checkInput(ctx, input);
  const secret = generateWebhookSecret();
  const row = await ctx.services.prisma.webhookEndpoint.create({
    data: {
      orgId: ctx.actor.orgId,
      ...input,
      secret: { ...sealWebhookSecret(ctx.services.config, secret) },
      createdById: ctx.actor.userId,
    },
  });
  await audit(ctx, "webhook.created", row.id);
  return { endpoint: toView(row), secret };
}

export async function updateEndpoint(ctx: WebhookContext, id: string, input: EndpointInput & { enabled: boolean }) {
  await findOwn(ctx, id);
  await checkInput(ctx, input);
  const row = await ctx.services.prisma.webhookEndpoint.update({
    where: { id },
    data: {
      ...input,
      // Enabling again starts a fresh failure clock and drops the notice.
      ...(input.enabled ? { disabledReason: null, disabledAt: null, failingSince: null } : {}),
    },
  });
  await audit(ctx, "webhook.updated", id);
  return toView(row);
}

/** A new secret; the old one keeps signing (a second signature) for ROTATION_GRACE_MS. */
export async function rotateSecret(ctx: WebhookContext, id: string) {
  const old = await findOwn(ctx, id);
  const secret = generateWebhookSecret();
  const row = await ctx.services.prisma.webhookEndpoint.update({
    where: { id },
    data: {
      secret: { ...sealWebhookSecret(ctx.services.config, secret) },
      previousSecret: old.secret ?? undefined,
      previousSecretUntil: new Date(Date.now() + ROTATION_GRACE_MS),
    },
  });
  await audit(ctx, "webhook.secret_rotated", id);
  return { endpoint: toView(row), secret };
}

export async function removeEndpoint(ctx: WebhookContext, id: string) {
  await findOwn(ctx, id);
  await ctx.services.prisma.webhookEndpoint.delete({ where: { id } });
  await audit(ctx, "webhook.removed", id);
}

/** Queues a signed sample notification to the endpoint (even when it did not choose endpoint.test events). */
export async function sendTest(ctx: WebhookContext, id: string) {
  const e = await findOwn(ctx, id);
  const now = new Date().toISOString();
  const alert: AlertNotice = {
    id: `test-${Date.now()}`,
    ruleId: "test",
    ruleName: "Test notification",
    kind: "test",
    state: "firing",
    severity: "info",
    summary: `Test notification from Flotilla to ${e.name}`,
    value: null,
    subject: "test",
    hostId: null,
    labels: { source: "flotilla" },
    startedAt: now,
    firedAt: now,
    resolvedAt: null,
  };
  const deliveryId = await enqueueDelivery(
    ctx.services,
    { ...e, format: e.format as WebhookFormat },
    "endpoint.test",
    alert,
  );
  return { deliveryId };
}

/** The latest deliveries of an endpoint with each attempt's status and (truncated) response. */
export async function listDeliveries(ctx: WebhookContext, endpointId: string, limit = 50) {
  await findOwn(ctx, endpointId);
  return ctx.services.prisma.webhookDelivery.findMany({
    where: { endpointId },
    orderBy: { createdAt: "desc" },
    take: limit,
    select: {
      id: true,
      messageId: true,
      event: true,
      state: true,
      attempts: true,
      lastStatus: true,
      createdAt: true,
      finishedAt: true,
      attemptsLog: {
        orderBy: { number: "asc" },
        select: { number: true, at: true, status: true, response: true, error: true, durationMs: true },
      },
    },
  });
}
