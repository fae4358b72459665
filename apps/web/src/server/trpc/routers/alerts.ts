/**
 * alerts.*: rules, the alerts they raised with their history, silences, and a rule preview (see
 * server/alerts). Each belongs to a team (none: organisation-wide, owner and org-wide roles only):
 * ids are declared targets, lists show the caller's teams, a new or moved row names a team the
 * caller manages alerts in (left out: every team).
 */
import { z } from "zod";
import { teamsWith } from "../../access/scope.js";
import { previewInputSchema, previewRule } from "../../alerts/preview.js";
import { ruleInputSchema } from "../../alerts/rule-input.js";
import {
  type AlertContext,
  alertHistory,
  createRule,
  createSilence,
  listAlerts,
  listAlertsSchema,
  listRules,
  listSilences,
  listTeams,
  removeRule,
  removeSilence,
  silenceInputSchema,
  updateRule,
} from "../../alerts/rules.js";
import type { SessionInfo } from "../../auth/sessions.js";
import type { Context } from "../context.js";
import { on, permission, router } from "../init.js";

const idSchema = z.object({ id: z.string().min(1).max(100) });

function alertContext(ctx: Context & { session: SessionInfo }): AlertContext {
  return { services: ctx.services, actor: { orgId: ctx.session.orgId, userId: ctx.session.userId, ip: ctx.ip } };
}

export const alertsRouter = router({
  list: permission("alerts.read")
    .input(listAlertsSchema)
    .query(({ ctx, input }) => listAlerts(alertContext(ctx), input, teamsWith(ctx.session, "alerts.read"))),
  history: permission("alerts.read", on("alertInstance", "id"))
    .input(idSchema)
    .query(({ ctx, input }) => alertHistory(alertContext(ctx), input.id)),

  teams: permission("alerts.read").query(({ ctx }) =>
    listTeams(alertContext(ctx), teamsWith(ctx.session, "alerts.read")),
  ),
  rules: permission("alerts.read").query(({ ctx }) =>
    listRules(alertContext(ctx), teamsWith(ctx.session, "alerts.read")),
  ),
  createRule: permission("alerts.manage", on("team", "teamId", "everyTeam"))
    .input(ruleInputSchema)
    .mutation(({ ctx, input }) => createRule(alertContext(ctx), input)),
  /** Both the rule's team and the team it is moved to (if any) must be the caller's. */
  updateRule: permission("alerts.manage", on("alertRule", "id"), on("team", "rule.teamId", "everyTeam"))
    .input(z.object({ id: z.string().min(1).max(100), rule: ruleInputSchema }))
    .mutation(({ ctx, input }) => updateRule(alertContext(ctx), input.id, input.rule)),
  removeRule: permission("alerts.manage", on("alertRule", "id"))
    .input(idSchema)
    .mutation(async ({ ctx, input }) => {
      await removeRule(alertContext(ctx), input.id);
      return { ok: true as const };
    }),
  /** Reads the samples of the team's hosts (no team: every host, so every team must be readable). */
  preview: permission("alerts.read", on("team", "teamId", "everyTeam"))
    .input(previewInputSchema)
    .query(({ ctx, input }) => previewRule(alertContext(ctx), input)),

  silences: permission("alerts.read").query(({ ctx }) =>
    listSilences(alertContext(ctx), teamsWith(ctx.session, "alerts.read")),
  ),
  createSilence: permission("alerts.manage", on("team", "teamId", "everyTeam"))
    .input(silenceInputSchema)
    .mutation(({ ctx, input }) => createSilence(alertContext(ctx), input)),
  removeSilence: permission("alerts.manage", on("alertSilence", "id"))
    .input(idSchema)
    .mutation(async ({ ctx, input }) => {
      await removeSilence(alertContext(ctx), input.id);
      return { ok: true as const };
    }),
});
