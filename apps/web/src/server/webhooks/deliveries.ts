/**
 * Durable webhook deliveries. A notification becomes one WebhookDelivery row per endpoint and a
 * pg-boss job; the worker makes one attempt per run, logs it, and throws to have pg-boss retry
 * with exponential backoff (the job and the row survive restarts). An endpoint failing for
 * longer than FLOTILLA_WEBHOOK_DISABLE_AFTER is disabled with a notice.
 */
import { randomUUID } from "node:crypto";
import type { Services } from "../services.js";
import { postWebhook } from "./http-post.js";
import { type AlertNotice, buildPayload, type WebhookEvent, type WebhookFormat } from "./payloads.js";
import { openWebhookSecret } from "./secrets.js";
import { webhookHeaders } from "./signing.js";
import { type AllowList, parseAllowList } from "./ssrf.js";

export const DELIVERY_QUEUE = "webhook-delivery";
const MAX_RETRY_DELAY_SECONDS = 2 * 3600;

type Deps = Pick<Services, "prisma" | "pool" | "config" | "jobs" | "log">;

interface DeliveryJob {
  deliveryId: string;
}

/** Registers the delivery worker; call before the job queue starts. */
export function defineDeliveryQueue(deps: Deps): void {
  const allow = parseAllowList(deps.config.webhooks.allowCidrs);
  const { retryDelayMs, maxAttempts } = deps.config.webhooks;
  deps.jobs.define<DeliveryJob>({
    name: DELIVERY_QUEUE,
    retryLimit: maxAttempts,
    retryDelaySeconds: Math.max(1, Math.round(retryDelayMs / 1000)),
    retryBackoff: true,
    retryDelayMaxSeconds: MAX_RETRY_DELAY_SECONDS,
    expireInSeconds: 60,
    work: { pollingIntervalSeconds: 0.5, localConcurrency: 4 },
    handler: async (jobs) => {
      for (const job of jobs) await attemptDelivery(deps, allow, job.data.deliveryId);
    },
  });
}

/** Creates a delivery for each enabled endpoint of the alert's team that chose `event`, and queues them. */
export async function enqueueNotice(
  deps: Deps,
  orgId: string,
  teamId: string | null,
  event: WebhookEvent,
  alert: AlertNotice,
): Promise<number> {
  const endpoints = await deps.prisma.webhookEndpoint.findMany({
    where: {
      orgId,
      enabled: true,
      events: { has: event },
      ...(teamId ? { OR: [{ teamId: null }, { teamId }] } : { teamId: null }),
    },
  });
  for (const endpoint of endpoints) {
    await enqueueDelivery(deps, { ...endpoint, format: endpoint.format as WebhookFormat }, event, alert);
  }
  return endpoints.length;
}

export async function enqueueDelivery(
  deps: Deps,
  endpoint: { id: string; orgId: string; name: string; format: WebhookFormat },
  event: WebhookEvent,
  alert: AlertNotice,
): Promise<string> {
  const body = JSON.stringify(
    buildPayload(endpoint.format, {
      event,
      alert,
      externalUrl: deps.config.publicUrl ?? "",
      receiver: endpoint.name,
      now: new Date(),
    }),
  );
  // The row and its job commit together (pg-boss inserts the job on our transaction's
  // connection): a crash in between can leave neither a job without a row nor a row without a job.
  const deliveryId = randomUUID();
  const client = await deps.pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(
      `INSERT INTO webhook_deliveries (id, message_id, endpoint_id, org_id, event, instance_id, body)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        deliveryId,
        `msg_${randomUUID().replaceAll("-", "")}`,
        endpoint.id,
        endpoint.orgId,
        event,
        event === "endpoint.test" ? null : alert.id,
        body,
      ],
    );
    await deps.jobs.send<DeliveryJob>(
      DELIVERY_QUEUE,
      { deliveryId },
      { db: { executeSql: (text, values) => client.query(text, values) } },
    );
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
  return deliveryId;
}

/** The secrets to sign with: the current one, and the previous one while its rotation grace lasts. */
function signingSecrets(
  deps: Deps,
  endpoint: { secret: unknown; previousSecret: unknown; previousSecretUntil: Date | null },
): string[] {
  const secrets = [openWebhookSecret(deps.config, endpoint.secret)];
  if (endpoint.previousSecret && endpoint.previousSecretUntil && endpoint.previousSecretUntil.getTime() > Date.now()) {
    secrets.push(openWebhookSecret(deps.config, endpoint.previousSecret));
  }
  return secrets;
}

/** One attempt. Returns normally when the delivery is finished (delivered, given up); throws to be retried. */
export async function attemptDelivery(deps: Deps, allow: AllowList, deliveryId: string): Promise<void> {
  const { prisma } = deps;
  const delivery = await prisma.webhookDelivery.findUnique({ where: { id: deliveryId }, include: { endpoint: true } });
  if (delivery?.state !== "pending") return;
  const { endpoint } = delivery;
  if (!endpoint.enabled) {
    await prisma.webhookDelivery.update({
      where: { id: deliveryId },
      data: { state: "abandoned", finishedAt: new Date() },
    });
    return;
  }
  const number = delivery.attempts + 1;
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = webhookHeaders(signingSecrets(deps, endpoint), delivery.messageId, timestamp, delivery.body);
  const result = await postWebhook(endpoint.url, headers, delivery.body, allow);
  const now = new Date();
  await prisma.webhookAttempt.create({
    data: {
      deliveryId,
      number,
      at: now,
      status: result.status,
      response: result.response,
      error: result.error,
      durationMs: result.durationMs,
    },
  });
  if (result.ok) {
    await prisma.webhookDelivery.update({
      where: { id: deliveryId },
      data: { state: "delivered", attempts: number, lastStatus: result.status, finishedAt: now },
    });
    if (endpoint.failingSince)
      await prisma.webhookEndpoint.update({ where: { id: endpoint.id }, data: { failingSince: null } });
    return;
  }
  const failingSince = endpoint.failingSince ?? now;
  if (!endpoint.failingSince)
    await prisma.webhookEndpoint.update({ where: { id: endpoint.id }, data: { failingSince } });
  const failingFor = now.getTime() - failingSince.getTime();
  const exhausted = number >= deps.config.webhooks.maxAttempts;
  if (failingFor >= deps.config.webhooks.disableAfterMs) {
    await disableEndpoint(deps, endpoint, `failing since ${failingSince.toISOString()} (last: ${result.error})`);
  }
  if (exhausted || failingFor >= deps.config.webhooks.disableAfterMs) {
    await prisma.webhookDelivery.update({
      where: { id: deliveryId },
      data: { state: "failed", attempts: number, lastStatus: result.status, finishedAt: now },
    });
    return;
  }
  await prisma.webhookDelivery.update({
    where: { id: deliveryId },
    data: { attempts: number, lastStatus: result.status },
  });
  throw new Error(`webhook delivery ${deliveryId} attempt ${number} failed: ${result.error}`);
}

async function disableEndpoint(deps: Deps, endpoint: { id: string; orgId: string; name: string }, why: string) {
  const reason = `Disabled automatically: ${why}. Fix the receiver, then enable it again.`;
  const changed = await deps.prisma.webhookEndpoint.updateMany({
    where: { id: endpoint.id, enabled: true },
    data: { enabled: false, disabledAt: new Date(), disabledReason: reason },
  });
  if (changed.count === 0) return;
  deps.log.warn({ endpointId: endpoint.id, orgId: endpoint.orgId }, "webhook endpoint disabled after failing too long");
  await deps.prisma.auditEntry.create({
    data: {
      orgId: endpoint.orgId,
      actor: "system",
      action: "webhook.disabled",
      target: `webhook:${endpoint.id}`,
      data: { reason },
    },
  });
}
