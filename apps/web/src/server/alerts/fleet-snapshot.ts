/** What a pass of the evaluator reads about hosts and rules, once per pass. */
import type { Services } from "../services.js";
import { type AlertRuleData, ruleInputSchema } from "./rule-input.js";

export interface HostInfo {
  id: string;
  orgId: string;
  teamId: string;
  name: string;
  status: string;
  labels: Record<string, unknown>;
  cpuCores: number;
  memoryBytes: number;
  intervalMs: number;
}

export async function loadRules(
  prisma: Services["prisma"],
  where: { orgIds?: string[]; kinds?: string[] },
): Promise<AlertRuleData[]> {
  const rows = await prisma.alertRule.findMany({
    where: {
      enabled: true,
      ...(where.orgIds ? { orgId: { in: where.orgIds } } : {}),
      ...(where.kinds ? { kind: { in: where.kinds } } : {}),
    },
  });
  const rules: AlertRuleData[] = [];
  for (const row of rows) {
    // A row that no longer validates (edited by hand) is skipped rather than stopping every rule.
    const parsed = ruleInputSchema.safeParse(row);
    if (parsed.success) rules.push({ ...parsed.data, id: row.id, orgId: row.orgId, createdAt: row.createdAt });
  }
  return rules;
}

export async function loadHosts(prisma: Services["prisma"], orgIds: string[], hostIds?: string[]): Promise<HostInfo[]> {
  if (orgIds.length === 0) return [];
  const rows = await prisma.host.findMany({
    where: { orgId: { in: orgIds }, ...(hostIds ? { id: { in: hostIds } } : {}) },
    select: {
      id: true,
      orgId: true,
      teamId: true,
      name: true,
      status: true,
      labels: true,
      cpuCores: true,
      memoryBytes: true,
      intervalMs: true,
    },
  });
  return rows.map((h) => ({
    ...h,
    labels: (h.labels ?? {}) as Record<string, unknown>,
    memoryBytes: Number(h.memoryBytes),
  }));
}

/** The labels silences and receivers match on: the host's own labels plus host, team and workload. */
export function alertLabels(host: HostInfo, extra: Record<string, string> = {}): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(host.labels)) if (typeof v === "string") labels[k] = v;
  return { ...labels, host: host.name, hostId: host.id, teamId: host.teamId, ...extra };
}
