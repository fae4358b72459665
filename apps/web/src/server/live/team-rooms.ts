/**
 * Team rooms for live updates: a member who reads only some teams joins `team:<id>` for each,
 * and a host's updates go to its organisation's org-wide readers and to its team's room. The
 * host -> team map is cached briefly (a host moved to another team is re-read within TTL_MS).
 */
import type { PrismaClient } from "../services.js";

export const teamRoom = (teamId: string) => `team:${teamId}`;

const TTL_MS = 30_000;
const MAX_ENTRIES = 50_000;

/**
 * A cached id -> team lookup. Team ids are kept once each (a fleet has many hosts and few
 * teams: one string per team, not one per cached host).
 */
function cachedLookup(read: (id: string) => Promise<string | null>, now: () => number) {
  const cache = new Map<string, { teamId: string | null; at: number }>();
  const teamIds = new Map<string, string>();
  const intern = (teamId: string) => {
    const known = teamIds.get(teamId);
    if (known !== undefined) return known;
    if (teamIds.size >= MAX_ENTRIES) teamIds.clear();
    teamIds.set(teamId, teamId);
    return teamId;
  };
  return async function teamOf(id: string): Promise<string | null> {
    const hit = cache.get(id);
    if (hit && now() - hit.at < TTL_MS) return hit.teamId;
    const found = await read(id);
    const teamId = found === null ? null : intern(found);
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(id, { teamId, at: now() });
    return teamId;
  };
}

// findFirst, not findUnique: Prisma batches findUniques of one tick into an `IN` list of that
// tick's size and caches a query plan per size, which grew with the fleet (issue 9's memory).
export function createHostTeamLookup(prisma: PrismaClient, now: () => number = Date.now) {
  return cachedLookup(
    async (id) => (await prisma.host.findFirst({ where: { id }, select: { teamId: true } }))?.teamId ?? null,
    now,
  );
}

export function createDeploymentTeamLookup(prisma: PrismaClient, now: () => number = Date.now) {
  return cachedLookup(
    async (id) => (await prisma.deployment.findFirst({ where: { id }, select: { teamId: true } }))?.teamId ?? null,
    now,
  );
}
