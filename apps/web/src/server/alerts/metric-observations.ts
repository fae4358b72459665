/** Observations of metric rules (threshold and missing data) from the newest stored samples. */
import { latestHostSamples, latestWorkloadSamples } from "@flotilla/db";
import type { Services } from "../services.js";
import { carriesMetric, isBreaching, metricValue, ruleCoversHost, type SampleRow } from "./conditions.js";
import { alertLabels, type HostInfo } from "./fleet-snapshot.js";
import type { Observation } from "./instances.js";
import { type AlertRuleData, METRIC_UNITS } from "./rule-input.js";

/** A sample older than this many collection intervals says nothing about now. */
const FRESH_INTERVALS = 3;
const MIN_FRESH_MS = 15_000;

function freshFor(host: HostInfo): number {
  return Math.max(host.intervalMs * FRESH_INTERVALS, MIN_FRESH_MS);
}

export async function metricObservations(
  deps: Pick<Services, "prisma" | "pool">,
  rules: AlertRuleData[],
  hosts: HostInfo[],
  now: number,
): Promise<Observation[]> {
  const metricRules = rules.filter((r) => r.kind === "metric_threshold" || r.kind === "metric_missing");
  if (metricRules.length === 0 || hosts.length === 0) return [];
  const covered = hosts.filter((h) => metricRules.some((r) => r.orgId === h.orgId && ruleCoversHost(r, h)));
  const latest = new Map(
    (
      await latestHostSamples(
        deps.pool,
        covered.map((h) => h.id),
        { now },
      )
    ).map((s) => [s.hostId, s as SampleRow]),
  );
  const observations: Observation[] = [];
  const workloadRules = metricRules.filter((r) => r.target === "workload");
  for (const host of covered) {
    const sample = latest.get(host.id);
    const fresh = sample && sample.ts >= now - freshFor(host) ? sample : undefined;
    for (const rule of metricRules) {
      if (rule.orgId !== host.orgId || !ruleCoversHost(rule, host) || !rule.metric) continue;
      if (rule.target === "workload") continue;
      if (rule.kind === "metric_missing") {
        const carried = !!fresh && carriesMetric(rule.metric, fresh);
        observations.push({
          rule,
          subject: host.id,
          hostId: host.id,
          teamId: host.teamId,
          labels: alertLabels(host),
          // Kept apart from "host offline": a host that is not online is not missing data.
          breaching: host.status === "online" && !carried,
          value: null,
          values: {
            host: host.name,
            target: host.name,
            metric: rule.metric,
            for: `${Math.round(freshFor(host) / 1000)} s`,
          },
        });
      } else if (rule.target === "host" && fresh) {
        observations.push(thresholdObservation(rule, host, fresh, host.name, host.id, {}));
      }
    }
  }
  if (workloadRules.length > 0) observations.push(...(await workloadObservations(deps, workloadRules, covered, now)));
  return observations;
}

function thresholdObservation(
  rule: AlertRuleData,
  host: HostInfo,
  sample: SampleRow,
  target: string,
  subject: string,
  extra: Record<string, string>,
  capacity: { cpuCores: number; memoryBytes: number } = host,
): Observation {
  const metric = rule.metric ?? "cpu";
  const value = metricValue(metric, sample, capacity);
  const comparator = rule.comparator ?? "above";
  const threshold = rule.threshold ?? 0;
  return {
    rule,
    subject,
    hostId: host.id,
    teamId: host.teamId,
    labels: alertLabels(host, extra),
    breaching: isBreaching(value, comparator, threshold),
    value,
    values: { host: host.name, target, metric, comparator, threshold, unit: METRIC_UNITS[metric], ...extra },
  };
}

async function workloadObservations(
  deps: Pick<Services, "prisma" | "pool">,
  rules: AlertRuleData[],
  hosts: HostInfo[],
  now: number,
): Promise<Observation[]> {
  const scoped = hosts.filter((h) => rules.some((r) => r.orgId === h.orgId && ruleCoversHost(r, h)));
  const workloads = await deps.prisma.workload.findMany({
    where: { hostId: { in: scoped.map((h) => h.id) }, removedAt: null },
    select: { hostId: true, externalId: true, name: true, memoryBytes: true, state: true },
  });
  const byKey = new Map(workloads.map((w) => [`${w.hostId}/${w.externalId}`, w]));
  const byHost = new Map<string, typeof workloads>();
  for (const w of workloads) {
    const list = byHost.get(w.hostId);
    if (list) list.push(w);
    else byHost.set(w.hostId, [w]);
  }
  const thresholds = rules.filter((r) => r.kind === "metric_threshold");
  const missing = rules.filter((r) => r.kind === "metric_missing");
  const observations: Observation[] = [];
  for (const host of scoped) {
    const samples = await latestWorkloadSamples(deps.pool, host.id, { now, maxAgeSeconds: freshFor(host) / 1000 });
    if (missing.length > 0)
      observations.push(...missingWorkloadData(missing, host, byHost.get(host.id) ?? [], samples as SampleRow[]));
    for (const s of samples) {
      const w = byKey.get(`${host.id}/${s.workloadId}`);
      if (!w) continue;
      const capacity = { cpuCores: host.cpuCores, memoryBytes: Number(w.memoryBytes ?? 0) };
      for (const rule of thresholds) {
        if (rule.orgId !== host.orgId || !ruleCoversHost(rule, host)) continue;
        observations.push(
          thresholdObservation(
            rule,
            host,
            s as SampleRow,
            `${w.name} on ${host.name}`,
            `${host.id}/${w.externalId}`,
            { workload: w.name },
            capacity,
          ),
        );
      }
    }
  }
  return observations;
}

/**
 * "Metric missing" for workloads: a running workload on an online host whose samples of the
 * metric stopped (its stats stream broke, the driver lost it). Stopped workloads report nothing
 * and are not missing data; neither are the workloads of a host that is offline.
 */
function missingWorkloadData(
  rules: AlertRuleData[],
  host: HostInfo,
  workloadsOfHost: Array<{ externalId: string; name: string; state: string }>,
  freshSamples: SampleRow[],
): Observation[] {
  const fresh = new Map(freshSamples.map((s) => [s.workloadId, s]));
  const observations: Observation[] = [];
  for (const w of workloadsOfHost) {
    const sample = fresh.get(w.externalId);
    for (const rule of rules) {
      if (rule.orgId !== host.orgId || !ruleCoversHost(rule, host) || !rule.metric) continue;
      const carried = !!sample && carriesMetric(rule.metric, sample);
      observations.push({
        rule,
        subject: `${host.id}/${w.externalId}`,
        hostId: host.id,
        teamId: host.teamId,
        labels: alertLabels(host, { workload: w.name }),
        breaching: host.status === "online" && w.state === "running" && !carried,
        value: null,
        values: {
          host: host.name,
          target: `${w.name} on ${host.name}`,
          workload: w.name,
          metric: rule.metric,
          for: `${Math.round(freshFor(host) / 1000)} s`,
        },
      });
    }
  }
  return observations;
}
