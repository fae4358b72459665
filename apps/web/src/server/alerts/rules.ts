/** Alert rules and silences of an organisation: list, create, change, remove (the router's domain calls). */
import { z } from "zod";
import { AppError } from "../errors.js";
import type { Services } from "../services.js";
import type { RuleInput } from "./rule-input.js";
import { matchersSchema, recurrenceSchema } from "./silences.js";

export interface AlertContext {
  services: Pick<Services, "prisma" | "pool" | "config" | "jobs" | "log" | "live">;
  actor: { orgId: string; userId: string; ip: string };
}

async function audit(ctx: AlertContext, action: string, target: string) {
  await ctx.services.prisma.auditEntry.create({
    data: {
      orgId: ctx.actor.orgId,
      actorId: ctx.actor.userId,
      actor: `user:${ctx.actor.userId}`,
      action,
      target,
      ip: ctx.actor.ip,
    },
  });
}

async function checkTeam(ctx: AlertContext, teamId: string | null) {
  if (!teamId) return;
  const team = await ctx.services.prisma.team.findFirst({ where: { id: teamId, orgId: ctx.actor.orgId } });
  if (!team) throw new AppError("not_found", "No such team in your organisation.");
}

/**
 * The teams a caller may see rows of: "all" (org-wide, sees organisation-wide rows too) or a list
 * (that team's rows only). Computed by the router from the caller's permissions (access/scope.ts).
 */
export type VisibleTeams = "all" | string[];

/** A `where` keeping rows of the visible teams; rows without a team are org-wide, seen only with "all". */
export function visibleTeamsWhere(teams: VisibleTeams) {
  return teams === "all" ? {} : { teamId: { in: teams } };
}

/** The organisation's teams the caller may see, for scoping rules, silences and endpoints. */
export async function listTeams(ctx: AlertContext, teams: VisibleTeams) {
  const ids = teams === "all" ? {} : { id: { in: teams } };
  return ctx.services.prisma.team.findMany({
    where: { orgId: ctx.actor.orgId, ...ids },
    select: { id: true, name: true },
    orderBy: { name: "asc" },
  });
}

export async function listRules(ctx: AlertContext, teams: VisibleTeams) {
  const rules = await ctx.services.prisma.alertRule.findMany({
    where: { orgId: ctx.actor.orgId, ...visibleTeamsWhere(teams) },
    orderBy: { createdAt: "asc" },
  });
  const open = await ctx.services.prisma.alertInstance.groupBy({
    by: ["ruleId", "state"],
    where: { orgId: ctx.actor.orgId, ruleId: { in: rules.map((r) => r.id) }, state: { in: ["pending", "firing"] } },
    _count: true,
  });
  return rules.map((r) => ({
    ...r,
    firing: open.find((o) => o.ruleId === r.id && o.state === "firing")?._count ?? 0,
    pending: open.find((o) => o.ruleId === r.id && o.state === "pending")?._count ?? 0,
  }));
}

export async function createRule(ctx: AlertContext, input: RuleInput) {
  await checkTeam(ctx, input.teamId);
  const rule = await ctx.services.prisma.alertRule.create({
    data: { ...input, orgId: ctx.actor.orgId, createdById: ctx.actor.userId },
  });
  await audit(ctx, "alert_rule.created", `alert_rule:${rule.id}`);
  return rule;
}

export async function updateRule(ctx: AlertContext, id: string, input: RuleInput) {
  await findRule(ctx, id);
  await checkTeam(ctx, input.teamId);
  const rule = await ctx.services.prisma.alertRule.update({ where: { id }, data: input });
  if (!input.enabled) await closeOpenAlerts(ctx, id, "rule paused");
  await audit(ctx, "alert_rule.updated", `alert_rule:${id}`);
  return rule;
}

export async function removeRule(ctx: AlertContext, id: string) {
  await findRule(ctx, id);
  // Its alerts go with it (cascade): the browsers showing them hear so.
  const gone = await ctx.services.prisma.alertInstance.findMany({
    where: { ruleId: id },
    distinct: ["teamId"],
    select: { teamId: true },
  });
  await ctx.services.prisma.alertRule.delete({ where: { id } });
  announceChanges(ctx, gone);
  await audit(ctx, "alert_rule.removed", `alert_rule:${id}`);
}

/** A paused rule is no longer evaluated: its open alerts end here rather than stay open forever. */
async function closeOpenAlerts(ctx: AlertContext, ruleId: string, note: string) {
  const { prisma } = ctx.services;
  const open = await prisma.alertInstance.findMany({
    where: { ruleId, state: { in: ["pending", "firing"] } },
    select: { id: true, teamId: true },
  });
  const now = new Date();
  for (const { id } of open) {
    await prisma.alertInstance.update({ where: { id }, data: { state: "resolved", resolvedAt: now } });
    await prisma.alertEvent.create({ data: { instanceId: id, kind: "resolved", note, at: now } });
  }
  announceChanges(ctx, open);
}

/** One `alerts:changed` per team the changed alerts belong to (and the org-wide readers). */
function announceChanges(ctx: AlertContext, changed: { teamId: string | null }[]) {
  const perTeam = new Map<string | null, number>();
  for (const { teamId } of changed) perTeam.set(teamId, (perTeam.get(teamId) ?? 0) + 1);
  for (const [teamId, count] of perTeam) ctx.services.live.alertsChanged(ctx.actor.orgId, teamId, { changed: count });
}

async function findRule(ctx: AlertContext, id: string) {
  const rule = await ctx.services.prisma.alertRule.findFirst({ where: { id, orgId: ctx.actor.orgId } });
  if (!rule) throw new AppError("not_found", "No such alert rule.");
  return rule;
}

export const silenceInputSchema = z
  .object({
    teamId: z.string().min(1).max(100).nullable().default(null),
    comment: z.string().max(500).default(""),
    matchers: matchersSchema.default({}),
    startsAt: z.coerce.date(),
    endsAt: z.coerce.date().nullable().default(null),
    recurrence: recurrenceSchema.nullable().default(null),
  })
  .refine((s) => !s.endsAt || s.endsAt > s.startsAt, { path: ["endsAt"], message: "must be after the start" })
  .refine((s) => s.recurrence || s.endsAt, { path: ["endsAt"], message: "a one-off silence needs an end" });
export type SilenceInput = z.infer<typeof silenceInputSchema>;

export async function listSilences(ctx: AlertContext, teams: VisibleTeams) {
  return ctx.services.prisma.alertSilence.findMany({
    where: { orgId: ctx.actor.orgId, ...visibleTeamsWhere(teams) },
    orderBy: { startsAt: "desc" },
  });
}

export async function createSilence(ctx: AlertContext, input: SilenceInput) {
  await checkTeam(ctx, input.teamId);
  const silence = await ctx.services.prisma.alertSilence.create({
    data: {
      ...input,
      recurrence: input.recurrence ?? undefined,
      orgId: ctx.actor.orgId,
      createdById: ctx.actor.userId,
    },
  });
  await audit(ctx, "alert_silence.created", `alert_silence:${silence.id}`);
  return silence;
}

export async function removeSilence(ctx: AlertContext, id: string) {
  const found = await ctx.services.prisma.alertSilence.deleteMany({ where: { id, orgId: ctx.actor.orgId } });
  if (found.count === 0) throw new AppError("not_found", "No such silence.");
  await audit(ctx, "alert_silence.removed", `alert_silence:${id}`);
}

export const listAlertsSchema = z.object({
  state: z.enum(["open", "pending", "firing", "resolved", "all"]).default("open"),
  limit: z.number().int().min(1).max(500).default(100),
});

export async function listAlerts(ctx: AlertContext, input: z.infer<typeof listAlertsSchema>, teams: VisibleTeams) {
  const state =
    input.state === "open"
      ? { in: ["pending", "firing"] }
      : input.state === "all"
        ? undefined
        : { equals: input.state };
  return ctx.services.prisma.alertInstance.findMany({
    where: { orgId: ctx.actor.orgId, ...visibleTeamsWhere(teams), ...(state ? { state } : {}) },
    orderBy: { startedAt: "desc" },
    take: input.limit,
    include: { rule: { select: { name: true, kind: true } } },
  });
}

export async function alertHistory(ctx: AlertContext, id: string) {
  const alert = await ctx.services.prisma.alertInstance.findFirst({
    where: { id, orgId: ctx.actor.orgId },
    include: { rule: { select: { name: true, kind: true } }, events: { orderBy: { at: "asc" } } },
  });
  if (!alert) throw new AppError("not_found", "No such alert.");
  return alert;
}
