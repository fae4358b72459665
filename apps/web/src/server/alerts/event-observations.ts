/**
 * Observations of the rules about states and events: host offline, command or migration failed,
 * container exited (and still down), container restarting in a loop. An event keeps its alert
 * firing for EVENT_ALERT_TTL_MS, then it resolves by itself.
 */
import type { Services } from "../services.js";
import { ruleCoversHost } from "./conditions.js";
import { alertLabels, type HostInfo } from "./fleet-snapshot.js";
import type { Observation } from "./instances.js";
import type { AlertRuleData } from "./rule-input.js";

export const EVENT_ALERT_TTL_MS = 3600_000;
/** Restart loop defaults: this many unexpected exits within the rule's hold (or 10 min). */
const LOOP_DEFAULT_COUNT = 3;
const LOOP_DEFAULT_WINDOW_S = 600;

type Deps = Pick<Services, "prisma">;

function covering(rules: AlertRuleData[], kind: string, host: HostInfo | undefined): AlertRuleData[] {
  if (!host) return [];
  return rules.filter((r) => r.kind === kind && r.orgId === host.orgId && ruleCoversHost(r, host));
}

function since(rule: AlertRuleData, now: number, windowMs = EVENT_ALERT_TTL_MS): number {
  return Math.max(rule.createdAt.getTime(), now - windowMs);
}

export async function eventObservations(
  deps: Deps,
  rules: AlertRuleData[],
  hosts: HostInfo[],
  now: number,
): Promise<Observation[]> {
  const byId = new Map(hosts.map((h) => [h.id, h]));
  const orgIds = [...new Set(rules.map((r) => r.orgId))];
  const observations: Observation[] = [];
  const base = (rule: AlertRuleData, host: HostInfo, subject: string, extra: Record<string, string> = {}) => ({
    rule,
    subject,
    hostId: host.id,
    teamId: host.teamId,
    labels: alertLabels(host, extra),
  });

  for (const host of hosts) {
    for (const rule of covering(rules, "host_offline", host)) {
      observations.push({
        ...base(rule, host, host.id),
        breaching: host.status === "offline",
        value: null,
        values: { host: host.name },
      });
    }
  }

  const cutoff = new Date(now - EVENT_ALERT_TTL_MS);
  if (rules.some((r) => r.kind === "command_failed")) {
    const commands = await deps.prisma.command.findMany({
      where: { orgId: { in: orgIds }, state: { in: ["failed", "timed_out"] }, finishedAt: { gte: cutoff } },
      select: { id: true, hostId: true, name: true, state: true, finishedAt: true },
    });
    for (const c of commands) {
      const host = byId.get(c.hostId);
      for (const rule of covering(rules, "command_failed", host)) {
        if ((c.finishedAt?.getTime() ?? 0) < since(rule, now) || !host) continue;
        observations.push({
          ...base(rule, host, `command:${c.id}`, { command: c.name }),
          breaching: true,
          value: null,
          values: { host: host.name, command: c.name, outcome: c.state === "timed_out" ? "timed out" : "failed" },
        });
      }
    }
  }

  if (rules.some((r) => r.kind === "migration_failed")) {
    const migrations = await deps.prisma.migration.findMany({
      where: { orgId: { in: orgIds }, state: "failed", finishedAt: { gte: cutoff } },
      select: { id: true, sourceHostId: true, finishedAt: true, error: true, workload: { select: { name: true } } },
    });
    for (const m of migrations) {
      const host = byId.get(m.sourceHostId);
      for (const rule of covering(rules, "migration_failed", host)) {
        if ((m.finishedAt?.getTime() ?? 0) < since(rule, now) || !host) continue;
        observations.push({
          ...base(rule, host, `migration:${m.id}`, { workload: m.workload.name }),
          breaching: true,
          value: null,
          values: { host: host.name, workload: m.workload.name, error: m.error ?? "unknown error" },
        });
      }
    }
  }

  if (rules.some((r) => r.kind === "container_exited" || r.kind === "container_restart_loop")) {
    observations.push(...(await containerObservations(deps, rules, hosts, now)));
  }
  return observations;
}

async function containerObservations(
  deps: Deps,
  rules: AlertRuleData[],
  hosts: HostInfo[],
  now: number,
): Promise<Observation[]> {
  const loopWindows = rules
    .filter((r) => r.kind === "container_restart_loop")
    .map((r) => (r.holdSeconds || LOOP_DEFAULT_WINDOW_S) * 1000);
  const windowMs = Math.max(EVENT_ALERT_TTL_MS, ...loopWindows);
  const exits = await deps.prisma.hostEvent.findMany({
    where: { hostId: { in: hosts.map((h) => h.id) }, kind: "workload.exited", at: { gte: new Date(now - windowMs) } },
    select: { hostId: true, workloadId: true, at: true },
  });
  const byWorkload = new Map<string, { hostId: string; workloadId: string; at: number[] }>();
  for (const e of exits) {
    if (!e.workloadId) continue;
    const key = `${e.hostId}/${e.workloadId}`;
    const entry = byWorkload.get(key) ?? { hostId: e.hostId, workloadId: e.workloadId, at: [] };
    entry.at.push(e.at.getTime());
    byWorkload.set(key, entry);
  }
  if (byWorkload.size === 0) return [];
  const workloads = await deps.prisma.workload.findMany({
    where: {
      kind: "container",
      OR: [...byWorkload.values()].map((w) => ({ hostId: w.hostId, externalId: w.workloadId })),
    },
    select: { hostId: true, externalId: true, name: true, state: true },
  });
  const byId = new Map(hosts.map((h) => [h.id, h]));
  const observations: Observation[] = [];
  for (const w of workloads) {
    const host = byId.get(w.hostId);
    const entry = byWorkload.get(`${w.hostId}/${w.externalId}`);
    if (!host || !entry) continue;
    const subject = `${host.id}/${w.externalId}`;
    const values = { host: host.name, workload: w.name };
    for (const rule of covering(rules, "container_exited", host)) {
      const last = Math.max(...entry.at);
      if (last < since(rule, now)) continue;
      observations.push({
        rule,
        subject,
        hostId: host.id,
        teamId: host.teamId,
        labels: alertLabels(host, { workload: w.name }),
        breaching: w.state !== "running",
        value: null,
        values,
      });
    }
    for (const rule of covering(rules, "container_restart_loop", host)) {
      const windowS = rule.holdSeconds || LOOP_DEFAULT_WINDOW_S;
      // Exits from before the rule existed count too: a container already looping should alert at once.
      const count = entry.at.filter((t) => t >= now - windowS * 1000).length;
      const limit = rule.threshold && rule.threshold > 0 ? rule.threshold : LOOP_DEFAULT_COUNT;
      observations.push({
        // The window is the rule's hold here: the alert fires as soon as the count is reached.
        rule: { ...rule, holdSeconds: 0 },
        subject,
        hostId: host.id,
        teamId: host.teamId,
        labels: alertLabels(host, { workload: w.name }),
        breaching: count >= limit,
        value: count,
        values: { ...values, for: `${Math.round(windowS / 60)} min` },
      });
    }
  }
  return observations;
}

/** Kinds whose alerts clear when their subject is no longer observed (the event aged out). */
export const CLEAR_WHEN_UNSEEN = new Set([
  "command_failed",
  "migration_failed",
  "container_exited",
  "container_restart_loop",
  "host_offline",
]);
