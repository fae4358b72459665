/** Which consolidation plans a caller may see: those whose every touched team they may read. */
import type { PrismaClient } from "../services.js";
import type { Principal } from "./principal.js";
import { teamsWith } from "./scope.js";

export async function keepVisiblePlans<T extends { scope: unknown }>(
  prisma: PrismaClient,
  principal: Principal,
  plans: readonly T[],
): Promise<T[]> {
  const teams = teamsWith(principal, "fleet.read");
  if (teams === "all") return [...plans];
  const hostIds = plans.flatMap((p) => hostIdsOf(p.scope));
  const hosts = hostIds.length
    ? await prisma.host.findMany({ where: { id: { in: hostIds } }, select: { id: true, teamId: true } })
    : [];
  const teamOfHost = new Map(hosts.map((h) => [h.id, h.teamId]));
  return plans.filter((plan) => {
    const scope = plan.scope;
    if (scope && typeof scope === "object" && "teamId" in scope) return teams.includes(String(scope.teamId));
    const ids = hostIdsOf(scope);
    // "all" touches every team: only for those who read every team.
    if (ids.length === 0) return false;
    return ids.every((id) => teams.includes(teamOfHost.get(id) ?? ""));
  });
}

function hostIdsOf(scope: unknown): string[] {
  if (scope && typeof scope === "object" && "hostIds" in scope && Array.isArray(scope.hostIds)) {
    return scope.hostIds.filter((id): id is string => typeof id === "string");
  }
  return [];
}
