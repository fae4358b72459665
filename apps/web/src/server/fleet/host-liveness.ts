/**
 * Online/offline bookkeeping. A host is online while its agent is connected and reporting;
 * the sweeper marks it offline after OFFLINE_AFTER_INTERVALS collection intervals without data.
 * Hosts in maintenance keep that status whatever their agent does.
 */
import type { HostStatusEvent } from "../../shared/live-events.js";
import type { PrismaClient } from "../services.js";

/** Records that the host reported now; returns the status event when it came back online. */
export async function markHostSeen(
  prisma: PrismaClient,
  hostId: string,
  now = new Date(),
): Promise<HostStatusEvent | null> {
  const flipped = await prisma.host.updateMany({
    where: { id: hostId, status: "offline" },
    data: { status: "online", lastSeenAt: now },
  });
  if (flipped.count > 0) return { hostId, status: "online", lastSeenAt: now.toISOString() };
  await prisma.host.updateMany({ where: { id: hostId }, data: { lastSeenAt: now } });
  return null;
}

/** Marks silent hosts offline; returns one event per host that changed, with its organisation. */
export async function markSilentHostsOffline(
  prisma: PrismaClient,
  offlineAfterIntervals: number,
): Promise<Array<{ orgId: string; event: HostStatusEvent }>> {
  const rows = await prisma.$queryRaw<Array<{ id: string; org_id: string; last_seen_at: Date | null }>>`
    UPDATE hosts SET status = 'offline'
     WHERE status = 'online'
       AND (last_seen_at IS NULL
            OR last_seen_at < now() - make_interval(secs => interval_ms * ${offlineAfterIntervals}::int / 1000.0))
     RETURNING id, org_id, last_seen_at`;
  return rows.map((r) => ({
    orgId: r.org_id,
    event: { hostId: r.id, status: "offline", lastSeenAt: r.last_seen_at?.toISOString() ?? null },
  }));
}
