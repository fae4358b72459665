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

type Deps = EngineDeps & Pick<Services, "pool" | "live">;

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
  const changed = new ChangeCounter();
  try {
    const seen = new Set<string>();
    for (const o of observations) {
      const key = openKey(o.rule.id, o.subject);
      seen.add(key);
      const step = await applyObservation(deps, o, open.get(key), silencing, now);
      if (step.action !== "none") changed.add(o, step.action);
    }
    if (!complete) return changed.total;
    // Open alerts whose subject was not observed: an event that aged out, a removed host or workload.
    const byId = new Map(rules.map((r) => [r.id, r]));
    for (const [key, instance] of open) {
      const rule = byId.get(instance.ruleId);
      if (seen.has(key) || !rule || !CLEAR_WHEN_UNSEEN.has(rule.kind)) continue;
      const unseen: Observation = {
        rule,
        subject: instance.subject,
        hostId: instance.hostId,
        teamId: instance.teamId,
        labels: instance.labels as Record<string, string>,
        breaching: false,
        value: null,
        values: {},
      };
      const step = await applyObservation(deps, unseen, instance, silencing, now);
      changed.add(unseen, step.action);
    }
    return changed.total;
  } finally {
    // What moved before a failure is stored: the browsers showing it hear so either way.
    changed.publish(deps.live);
  }
}

/**
 * Alerts whose state moved in a pass, per audience (organisation and team): one `alerts:changed`
 * per audience at the end of the pass, however many alerts moved, so a fleet-wide rule firing
 * on a thousand hosts is one refetch in each browser, not a thousand.
 */
class ChangeCounter {
  total = 0;
  private readonly byAudience = new Map<string, { orgId: string; teamId: string | null; changed: number }>();

  add(o: Observation, action: string) {
    this.total++;
    // A repeated notification (or no step) changes nothing a browser shows.
    if (action === "repeat" || action === "none") return;
    const key = `${o.rule.orgId}/${o.teamId ?? ""}`;
    const audience = this.byAudience.get(key) ?? { orgId: o.rule.orgId, teamId: o.teamId, changed: 0 };
    audience.changed++;
    this.byAudience.set(key, audience);
  }

  publish(live: Services["live"]) {
    for (const a of this.byAudience.values()) live.alertsChanged(a.orgId, a.teamId, { changed: a.changed });
  }
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
