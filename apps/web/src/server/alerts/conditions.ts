/** Pure pieces of evaluation: a sample's value for a metric, the comparison, and which hosts a rule covers. */
import type { AlertScope, Metric } from "./rule-input.js";

export interface SampleRow {
  hostId: string;
  workloadId: string | null;
  ts: number;
  cpuCores: number | null;
  cpuRatio: number | null;
  memUsedBytes: number | null;
  memTotalBytes: number | null;
  netRxBps: number | null;
  netTxBps: number | null;
  diskReadBps: number | null;
  diskWriteBps: number | null;
}

/**
 * cpu: percent of the host's capacity (host rows) or of one core (workload rows, as `docker
 * stats` shows it); memory: percent of the total (the host's, or the workload's limit);
 * disk and network: read+write and rx+tx in bytes per second.
 */
export function metricValue(
  metric: Metric,
  s: SampleRow,
  capacity: { cpuCores: number; memoryBytes: number },
): number | null {
  switch (metric) {
    case "cpu":
      if (s.workloadId === null && s.cpuRatio !== null) return s.cpuRatio * 100;
      if (s.cpuCores === null) return null;
      return s.workloadId === null
        ? capacity.cpuCores > 0
          ? (s.cpuCores / capacity.cpuCores) * 100
          : null
        : s.cpuCores * 100;
    case "memory": {
      const total = s.memTotalBytes ?? (capacity.memoryBytes > 0 ? capacity.memoryBytes : null);
      return s.memUsedBytes === null || !total ? null : (s.memUsedBytes / total) * 100;
    }
    case "disk":
      return s.diskReadBps === null && s.diskWriteBps === null ? null : (s.diskReadBps ?? 0) + (s.diskWriteBps ?? 0);
    case "network":
      return s.netRxBps === null && s.netTxBps === null ? null : (s.netRxBps ?? 0) + (s.netTxBps ?? 0);
  }
}

/**
 * Whether the sample carries the metric at all, for "metric missing": the raw columns, not a
 * derived percentage (a container without a memory limit reports memory, with no total to
 * divide by).
 */
export function carriesMetric(metric: Metric, s: SampleRow): boolean {
  switch (metric) {
    case "cpu":
      return s.cpuCores !== null || s.cpuRatio !== null;
    case "memory":
      return s.memUsedBytes !== null;
    case "disk":
      return s.diskReadBps !== null || s.diskWriteBps !== null;
    case "network":
      return s.netRxBps !== null || s.netTxBps !== null;
  }
}

export function isBreaching(value: number | null, comparator: "above" | "below", threshold: number): boolean {
  if (value === null) return false;
  return comparator === "above" ? value > threshold : value < threshold;
}

export interface ScopedHost {
  id: string;
  teamId: string;
  labels: Record<string, unknown>;
}

/** A rule covers a host of its team (any team when none), listed in hostIds when given, carrying every label given. */
export function ruleCoversHost(rule: { teamId: string | null; scope: AlertScope }, host: ScopedHost): boolean {
  if (rule.teamId && rule.teamId !== host.teamId) return false;
  if (rule.scope.hostIds?.length && !rule.scope.hostIds.includes(host.id)) return false;
  return labelsMatch(rule.scope.labels, host.labels);
}

export function labelsMatch(wanted: Record<string, string> | undefined, labels: Record<string, unknown>): boolean {
  if (!wanted) return true;
  return Object.entries(wanted).every(([key, value]) =>
    value === "*" ? key in labels : String(labels[key] ?? "") === value,
  );
}
