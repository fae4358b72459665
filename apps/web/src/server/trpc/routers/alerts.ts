/** alerts.*: rules, the alerts they raised with their history, silences, and a rule preview (see server/alerts). */
import { z } from "zod";
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
import { permission, router } from "../init.js";

const idSchema = z.object({ id: z.string().min(1).max(100) });

function alertContext(ctx: Context & { session: SessionInfo }): AlertContext {
  return { services: ctx.services, actor: { orgId: ctx.session.orgId, userId: ctx.session.userId, ip: ctx.ip } };
}

export const alertsRouter = router({
  list: permission("alerts.read")
    .input(listAlertsSchema)
    .query(({ ctx, input }) => listAlerts(alertContext(ctx), input)),
  history: permission("alerts.read")
    .input(idSchema)
    .query(({ ctx, input }) => alertHistory(alertContext(ctx), input.id)),

  teams: permission("alerts.read").query(({ ctx }) => listTeams(alertContext(ctx))),
  rules: permission("alerts.read").query(({ ctx }) => listRules(alertContext(ctx))),
  createRule: permission("alerts.manage")
    .input(ruleInputSchema)
    .mutation(({ ctx, input }) => createRule(alertContext(ctx), input)),
  updateRule: permission("alerts.manage")
    .input(z.object({ id: z.string().min(1).max(100), rule: ruleInputSchema }))
    .mutation(({ ctx, input }) => updateRule(alertContext(ctx), input.id, input.rule)),
  removeRule: permission("alerts.manage")
    .input(idSchema)
    .mutation(async ({ ctx, input }) => {
      await removeRule(alertContext(ctx), input.id);
      return { ok: true as const };
    }),
  preview: permission("alerts.read")
    .input(previewInputSchema)
    .query(({ ctx, input }) => previewRule(alertContext(ctx), input)),

  silences: permission("alerts.read").query(({ ctx }) => listSilences(alertContext(ctx))),
  createSilence: permission("alerts.manage")
    .input(silenceInputSchema)
    .mutation(({ ctx, input }) => createSilence(alertContext(ctx), input)),
  removeSilence: permission("alerts.manage")
    .input(idSchema)
    .mutation(async ({ ctx, input }) => {
      await removeSilence(alertContext(ctx), input.id);
      return { ok: true as const };
    }),
});
