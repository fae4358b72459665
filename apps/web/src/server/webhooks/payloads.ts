/**
 * The bodies a notification is sent as: generic JSON (Standard Webhooks' {type, timestamp, data}),
 * Slack-compatible ({text, blocks}) and Alertmanager's webhook version 4, so receivers written for
 * those work unchanged.
 */
export const WEBHOOK_FORMATS = ["generic", "slack", "alertmanager"] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

export const WEBHOOK_EVENTS = ["alert.firing", "alert.resolved", "alert.repeat", "endpoint.test"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface AlertNotice {
  id: string;
  ruleId: string;
  ruleName: string;
  kind: string;
  state: "pending" | "firing" | "resolved";
  severity: string;
  summary: string;
  value: number | null;
  subject: string;
  hostId: string | null;
  labels: Record<string, string>;
  startedAt: string;
  firedAt: string | null;
  resolvedAt: string | null;
}

export interface PayloadContext {
  event: WebhookEvent;
  alert: AlertNotice;
  /** Where people open Flotilla (FLOTILLA_PUBLIC_URL), "" when unknown. */
  externalUrl: string;
  receiver: string;
  now: Date;
}

const ZERO_TIME = "0001-01-01T00:00:00Z";

export function buildPayload(format: WebhookFormat, ctx: PayloadContext): Record<string, unknown> {
  switch (format) {
    case "generic":
      return { type: ctx.event, timestamp: ctx.now.toISOString(), data: { alert: ctx.alert } };
    case "slack":
      return slackPayload(ctx);
    case "alertmanager":
      return alertmanagerPayload(ctx);
  }
}

function alertLink(ctx: PayloadContext): string {
  return ctx.externalUrl ? `${ctx.externalUrl}/alerts?alert=${encodeURIComponent(ctx.alert.id)}` : "";
}

function slackPayload(ctx: PayloadContext) {
  const a = ctx.alert;
  const status = ctx.event === "alert.resolved" ? "RESOLVED" : ctx.event === "endpoint.test" ? "TEST" : "FIRING";
  const text = `[${status}] ${a.severity.toUpperCase()}: ${a.summary}`;
  const link = alertLink(ctx);
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${text}*` } },
      {
        type: "context",
        elements: [
          { type: "mrkdwn", text: `rule *${a.ruleName}* · ${a.labels.host ?? a.subject} · since ${a.startedAt}` },
          ...(link ? [{ type: "mrkdwn", text: `<${link}|Open in Flotilla>` }] : []),
        ],
      },
    ],
  };
}

function alertmanagerPayload(ctx: PayloadContext) {
  const a = ctx.alert;
  const status = a.state === "resolved" ? "resolved" : "firing";
  const labels = { alertname: a.ruleName, severity: a.severity, ...a.labels };
  const annotations = { summary: a.summary, description: a.summary };
  return {
    version: "4",
    groupKey: `{}:{alertname="${a.ruleName}"}`,
    truncatedAlerts: 0,
    status,
    receiver: ctx.receiver,
    groupLabels: { alertname: a.ruleName },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: ctx.externalUrl,
    alerts: [
      {
        status,
        labels,
        annotations,
        startsAt: a.firedAt ?? a.startedAt,
        endsAt: a.resolvedAt ?? ZERO_TIME,
        generatorURL: alertLink(ctx),
        fingerprint: a.id.replaceAll("-", "").slice(0, 16),
      },
    ],
  };
}
