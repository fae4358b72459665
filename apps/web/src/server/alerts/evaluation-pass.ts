/** One evaluation pass: read rules, hosts, samples and events, and move every alert they concern. */
import type { Services } from "../services.js";
import { findBusyHosts } from "./auto-silence.js";
import { CLEAR_WHEN_UNSEEN, eventObservations } from "./event-observations.js";
import { loadHosts, loadRules } from "./fleet-snapshot.js";
import {
  applyObservation,
  type EngineDeps,
  loadOpenInstances,
  type Observation,
  openKey,
  type SilenceContext,
} from "./instances.js";
import { metricObservations } from "./metric-observations.js";
import type { AlertRuleData } from "./rule-input.js";
import { matchersSchema, recurrenceSchema, type SilenceData } from "./silences.js";

type Deps = EngineDeps & Pick<Services, "pool">;

const METRIC_KINDS = ["metric_threshold", "metric_missing"];

/** Metric rules for hosts that just sent data (the fast path). */
export async function evaluateHosts(deps: Deps, hostIds: string[], now = new Date()): Promise<number> {
  const hosts = await deps.prisma.host.findMany({ where: { id: { in: hostIds } }, select: { orgId: true } });
  const orgIds = [...new Set(hosts.map((h) => h.orgId))];
  if (orgIds.length === 0) return 0;
  const rules = await loadRules(deps.prisma, { orgIds, kinds: METRIC_KINDS });
  if (rules.length === 0) return 0;
  const fleet = await loadHosts(deps.prisma, orgIds, hostIds);
  const observations = await metricObservations(deps, rules, fleet, now.getTime());
  return apply(deps, rules, observations, orgIds, now, false);
}

/** Every enabled rule of every organisation (the timer: holds, offline, missing data, events). */
export async function evaluateAll(deps: Deps, now = new Date()): Promise<number> {
  const rules = await loadRules(deps.prisma, {});
  if (rules.length === 0) return 0;
  const orgIds = [...new Set(rules.map((r) => r.orgId))];
  const fleet = await loadHosts(deps.prisma, orgIds);
  const observations = [
    ...(await metricObservations(deps, rules, fleet, now.getTime())),
    ...(await eventObservations(deps, rules, fleet, now.getTime())),
  ];
  return apply(deps, rules, observations, orgIds, now, true);
}

async function apply(
  deps: Deps,
  rules: AlertRuleData[],
  observations: Observation[],
  orgIds: string[],
  now: Date,
  complete: boolean,
) {
  const open = await loadOpenInstances(
    deps,
    rules.map((r) => r.id),
  );
  const silencing = await loadSilencing(deps, orgIds, now);
  let changes = 0;
  const seen = new Set<string>();
  for (const o of observations) {
    const key = openKey(o.rule.id, o.subject);
    seen.add(key);
    const step = await applyObservation(deps, o, open.get(key), silencing, now);
    if (step.action !== "none") changes++;
  }
  if (!complete) return changes;
  // Open alerts whose subject was not observed: an event that aged out, a removed host or workload.
  const byId = new Map(rules.map((r) => [r.id, r]));
  for (const [key, instance] of open) {
    const rule = byId.get(instance.ruleId);
    if (seen.has(key) || !rule || !CLEAR_WHEN_UNSEEN.has(rule.kind)) continue;
    await applyObservation(
      deps,
      {
        rule,
        subject: instance.subject,
        hostId: instance.hostId,
        teamId: instance.teamId,
        labels: instance.labels as Record<string, string>,
        breaching: false,
        value: null,
        values: {},
      },
      instance,
      silencing,
      now,
    );
    changes++;
  }
  return changes;
}

async function loadSilencing(deps: Deps, orgIds: string[], now: Date): Promise<SilenceContext> {
  const rows = await deps.prisma.alertSilence.findMany({
    where: { orgId: { in: orgIds }, startsAt: { lte: now }, OR: [{ endsAt: null }, { endsAt: { gt: now } }] },
  });
  const silences: SilenceData[] = rows.map((r) => ({
    id: r.id,
    teamId: r.teamId,
    matchers: matchersSchema.catch({ hostIds: ["-"] }).parse(r.matchers),
    startsAt: r.startsAt,
    endsAt: r.endsAt,
    recurrence: r.recurrence ? recurrenceSchema.nullable().catch(null).parse(r.recurrence) : null,
  }));
  return { silences, busyHosts: await findBusyHosts(deps.prisma, orgIds) };
}
