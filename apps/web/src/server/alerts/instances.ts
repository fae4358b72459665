/**
 * Applies the state machine to stored alerts: each observation (a rule about one subject, and
 * whether its condition holds) moves that subject's open alert, writes its history, and hands
 * notifications to the webhook queue unless a silence or the host's own maintenance holds them.
 */
import { Prisma } from "@flotilla/db";
import type { Services } from "../services.js";
import { enqueueNotice } from "../webhooks/deliveries.js";
import type { AlertNotice, WebhookEvent } from "../webhooks/payloads.js";
import type { AlertRuleData } from "./rule-input.js";
import { type SilenceData, silenceCovers } from "./silences.js";
import { type AlertStep, stepAlert } from "./state-machine.js";
import { DEFAULT_DESCRIPTIONS, renderTemplate, type TemplateValues } from "./template.js";

export type EngineDeps = Pick<Services, "prisma" | "pool" | "config" | "jobs" | "log">;

export interface Observation {
  rule: AlertRuleData;
  subject: string;
  hostId: string | null;
  teamId: string | null;
  labels: Record<string, string>;
  breaching: boolean;
  value: number | null;
  values: TemplateValues;
}

export interface SilenceContext {
  silences: SilenceData[];
  /** hostId -> why operators' own work silences it (maintenance, a migration, a plan). */
  busyHosts: Map<string, string>;
}

type InstanceRow = Prisma.AlertInstanceGetPayload<object>;

export function openKey(ruleId: string, subject: string): string {
  return `${ruleId}\u0000${subject}`;
}

/** Open (pending or firing) alerts of these rules, by openKey. */
export async function loadOpenInstances(deps: EngineDeps, ruleIds: string[]): Promise<Map<string, InstanceRow>> {
  if (ruleIds.length === 0) return new Map();
  const rows = await deps.prisma.alertInstance.findMany({
    where: { ruleId: { in: ruleIds }, state: { in: ["pending", "firing"] } },
  });
  return new Map(rows.map((r) => [openKey(r.ruleId, r.subject), r]));
}

export function silenceReason(
  ctx: SilenceContext,
  o: { rule: AlertRuleData; hostId: string | null; teamId: string | null; labels: Record<string, string> },
  now: number,
): string | null {
  if (o.hostId && o.rule.kind !== "migration_failed") {
    const busy = ctx.busyHosts.get(o.hostId);
    if (busy) return busy;
  }
  const target = { ruleId: o.rule.id, teamId: o.teamId, hostId: o.hostId, labels: o.labels };
  const silence = ctx.silences.find((s) => silenceCovers(s, target, now));
  return silence ? `silence:${silence.id}` : null;
}

function summaryOf(o: Observation): string {
  const template = o.rule.description.trim() || DEFAULT_DESCRIPTIONS[o.rule.kind] || "{{rule}}";
  return renderTemplate(template, {
    ...o.values,
    rule: o.rule.name,
    severity: o.rule.severity,
    value: o.value ?? o.values.value,
  });
}

export async function applyObservation(
  deps: EngineDeps,
  o: Observation,
  open: InstanceRow | undefined,
  silencing: SilenceContext,
  now: Date,
): Promise<AlertStep> {
  const step = stepAlert(
    open
      ? {
          state: open.state as "pending" | "firing",
          startedAt: open.startedAt.getTime(),
          lastNotifiedAt: open.lastNotifiedAt?.getTime() ?? null,
        }
      : null,
    o.breaching,
    now.getTime(),
    o.rule,
  );
  switch (step.action) {
    case "none":
      if (open && o.value !== null && open.value !== o.value) {
        await deps.prisma.alertInstance.update({ where: { id: open.id }, data: { value: o.value } });
      }
      return step;
    case "open":
      await openInstance(deps, o, step.state, silencing, now);
      return step;
    case "fire":
      await transition(deps, open as InstanceRow, o, "firing", { firedAt: now }, silencing, now);
      return step;
    case "clear":
      await transition(
        deps,
        open as InstanceRow,
        o,
        "resolved",
        { resolvedAt: now },
        silencing,
        now,
        "cleared before the hold ran out",
      );
      return step;
    case "resolve":
      await transition(deps, open as InstanceRow, o, "resolved", { resolvedAt: now }, silencing, now);
      return step;
    case "repeat":
      await notifyIfAllowed(deps, open as InstanceRow, o, silencing, now);
      return step;
  }
}

async function openInstance(
  deps: EngineDeps,
  o: Observation,
  state: "pending" | "firing",
  silencing: SilenceContext,
  now: Date,
) {
  let row: InstanceRow;
  try {
    row = await deps.prisma.alertInstance.create({
      data: {
        orgId: o.rule.orgId,
        ruleId: o.rule.id,
        teamId: o.teamId,
        hostId: o.hostId,
        subject: o.subject,
        state,
        severity: o.rule.severity,
        value: o.value,
        summary: summaryOf(o),
        labels: o.labels,
        startedAt: now,
        firedAt: state === "firing" ? now : null,
        events: { create: { kind: state, value: o.value, at: now } },
      },
    });
  } catch (err) {
    // Another evaluation opened it first (the partial unique index): nothing more to do.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") return;
    throw err;
  }
  if (state === "firing") await notifyIfAllowed(deps, row, o, silencing, now);
}

async function transition(
  deps: EngineDeps,
  open: InstanceRow,
  o: Observation,
  state: "firing" | "resolved",
  stamps: { firedAt?: Date; resolvedAt?: Date },
  silencing: SilenceContext,
  now: Date,
  note = "",
) {
  // Conditional on the state read, so a concurrent change (a second evaluator) is not applied twice.
  const changed = await deps.prisma.alertInstance.updateMany({
    where: { id: open.id, state: open.state },
    data: { state, value: o.value ?? open.value, summary: summaryOf(o), ...stamps },
  });
  if (changed.count === 0) return;
  await deps.prisma.alertEvent.create({ data: { instanceId: open.id, kind: state, value: o.value, note, at: now } });
  const row = { ...open, state, ...stamps, value: o.value ?? open.value, summary: summaryOf(o) };
  if (state === "firing") await notifyIfAllowed(deps, row, o, silencing, now);
  // A resolution is news only to those who heard it fire.
  if (state === "resolved" && open.state === "firing" && open.lastNotifiedAt)
    await notify(deps, row, "alert.resolved", now);
}

async function notifyIfAllowed(
  deps: EngineDeps,
  row: InstanceRow,
  o: Observation,
  silencing: SilenceContext,
  now: Date,
) {
  const reason = silenceReason(silencing, o, now.getTime());
  if (reason) {
    if (row.silencedBy !== reason) {
      await deps.prisma.alertInstance.update({ where: { id: row.id }, data: { silencedBy: reason } });
      await deps.prisma.alertEvent.create({ data: { instanceId: row.id, kind: "silenced", note: reason, at: now } });
    }
    return;
  }
  if (row.silencedBy) await deps.prisma.alertInstance.update({ where: { id: row.id }, data: { silencedBy: null } });
  await notify(deps, row, row.lastNotifiedAt ? "alert.repeat" : "alert.firing", now);
}

export function toNotice(row: InstanceRow, rule: { name: string; kind: string }): AlertNotice {
  return {
    id: row.id,
    ruleId: row.ruleId,
    ruleName: rule.name,
    kind: rule.kind,
    state: row.state as AlertNotice["state"],
    severity: row.severity,
    summary: row.summary,
    value: row.value,
    subject: row.subject,
    hostId: row.hostId,
    labels: row.labels as Record<string, string>,
    startedAt: row.startedAt.toISOString(),
    firedAt: row.firedAt?.toISOString() ?? null,
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
  };
}

async function notify(deps: EngineDeps, row: InstanceRow, event: WebhookEvent, now: Date) {
  const rule = await deps.prisma.alertRule.findUnique({
    where: { id: row.ruleId },
    select: { name: true, kind: true },
  });
  if (!rule) return;
  const sent = await enqueueNotice(deps, row.orgId, row.teamId, event, toNotice(row, rule));
  await deps.prisma.alertInstance.update({ where: { id: row.id }, data: { lastNotifiedAt: now } });
  await deps.prisma.alertEvent.create({
    data: { instanceId: row.id, kind: "notified", note: `${event} to ${sent} endpoint(s)`, at: now },
  });
}
