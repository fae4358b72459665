/**
 * Team rooms for live updates: a member who reads only some teams joins `team:<id>` for each,
 * and a host's updates go to its organisation's org-wide readers and to its team's room. The
 * host -> team map is cached briefly (a host moved to another team is re-read within TTL_MS).
 */
import type { PrismaClient } from "../services.js";

export const teamRoom = (teamId: string) => `team:${teamId}`;

const TTL_MS = 30_000;
const MAX_ENTRIES = 50_000;

export function createHostTeamLookup(prisma: PrismaClient, now: () => number = Date.now) {
  const cache = new Map<string, { teamId: string | null; at: number }>();
  return async function teamOfHost(hostId: string): Promise<string | null> {
    const hit = cache.get(hostId);
    if (hit && now() - hit.at < TTL_MS) return hit.teamId;
    const row = await prisma.host.findUnique({ where: { id: hostId }, select: { teamId: true } });
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(hostId, { teamId: row?.teamId ?? null, at: now() });
    return row?.teamId ?? null;
  };
}
