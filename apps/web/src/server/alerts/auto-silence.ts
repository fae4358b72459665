/**
 * Alerts operators cause themselves: a host in maintenance, a host a migration, evacuation or
 * consolidation plan is moving workloads off or onto. Read from those features' own state, so
 * nothing has to remember to create a silence.
 */
import type { Services } from "../services.js";

const ACTIVE_MIGRATION = ["pending", "preparing", "migrating", "completing"] as const;

/** hostId -> why its alerts are silenced now ("maintenance", "migration:<id>", "plan:<id>", "evacuation:<id>"). */
export async function findBusyHosts(
  prisma: Services["prisma"],
  orgIds: readonly string[],
): Promise<Map<string, string>> {
  const busy = new Map<string, string>();
  if (orgIds.length === 0) return busy;
  const orgId = { in: [...orgIds] };
  const [maintenance, migrations, evacuations, plans] = await Promise.all([
    prisma.host.findMany({ where: { orgId, status: "maintenance" }, select: { id: true } }),
    prisma.migration.findMany({
      where: { orgId, state: { in: [...ACTIVE_MIGRATION] } },
      select: { id: true, sourceHostId: true, targetHostId: true },
    }),
    prisma.evacuation.findMany({
      where: { orgId, state: { in: ["planning", "running"] } },
      select: { id: true, hostId: true },
    }),
    prisma.plan.findMany({
      where: { orgId, state: { in: ["approved", "running"] } },
      select: { id: true, execution: true, output: true },
    }),
  ]);
  for (const h of maintenance) busy.set(h.id, "maintenance");
  for (const e of evacuations) if (!busy.has(e.hostId)) busy.set(e.hostId, `evacuation:${e.id}`);
  for (const m of migrations) {
    for (const hostId of [m.sourceHostId, m.targetHostId]) if (!busy.has(hostId)) busy.set(hostId, `migration:${m.id}`);
  }
  for (const p of plans) {
    for (const hostId of planHosts(p.execution, p.output)) if (!busy.has(hostId)) busy.set(hostId, `plan:${p.id}`);
  }
  return busy;
}

/** The hosts a plan moves workloads between: from its execution, or its planned moves before it started. */
export function planHosts(execution: unknown, output: unknown): string[] {
  const moves = Array.isArray(execution) && execution.length > 0 ? execution : (output as { moves?: unknown })?.moves;
  if (!Array.isArray(moves)) return [];
  const hosts: string[] = [];
  for (const move of moves as { from?: unknown; to?: unknown }[]) {
    if (typeof move.from === "string") hosts.push(move.from);
    if (typeof move.to === "string") hosts.push(move.to);
  }
  return hosts;
}
