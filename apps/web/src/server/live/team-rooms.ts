/**
 * Team rooms for live updates: a member who reads only some teams joins `team:<id>` for each,
 * and a host's updates go to its organisation's org-wide readers and to its team's room. The
 * host -> team map is cached briefly (a host moved to another team is re-read within TTL_MS).
 */
import type { PrismaClient } from "../services.js";

export const teamRoom = (teamId: string) => `team:${teamId}`;

const TTL_MS = 30_000;
const MAX_ENTRIES = 50_000;

/** A cached id -> team lookup. */
function cachedLookup(read: (id: string) => Promise<string | null>, now: () => number) {
  const cache = new Map<string, { teamId: string | null; at: number }>();
  return async function teamOf(id: string): Promise<string | null> {
    const hit = cache.get(id);
    if (hit && now() - hit.at < TTL_MS) return hit.teamId;
    const teamId = await read(id);
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(id, { teamId, at: now() });
    return teamId;
  };
}

export function createHostTeamLookup(prisma: PrismaClient, now: () => number = Date.now) {
  return cachedLookup(
    async (id) => (await prisma.host.findUnique({ where: { id }, select: { teamId: true } }))?.teamId ?? null,
    now,
  );
}

export function createDeploymentTeamLookup(prisma: PrismaClient, now: () => number = Date.now) {
  return cachedLookup(
    async (id) => (await prisma.deployment.findUnique({ where: { id }, select: { teamId: true } }))?.teamId ?? null,
    now,
  );
}
