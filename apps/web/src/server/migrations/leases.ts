/**
 * Workload leases: while a workload moves (or a later plan step changes it), one holder owns it
 * and every other command on it is refused. A lease is one row per workload, taken with a single
 * INSERT ... ON CONFLICT, so two takers can never both win; a holder that died stops renewing,
 * and its expired lease may be taken over.
 */
import type { Command } from "@flotilla/protocol";
import { AppError } from "../errors.js";
import type { PrismaClient } from "../services.js";

type Db = Pick<PrismaClient, "$queryRaw" | "$executeRaw">;

/** How long a lease lives without renewal; the orchestrator renews it on every step. */
export const LEASE_TTL_MS = 10 * 60_000;

export interface LeaseRequest {
  workloadId: string;
  orgId: string;
  holder: string;
  acquiredBy: string;
  ttlMs?: number;
}

/** Takes the lease; false when another holder has an unexpired one. Re-taking one's own renews it. */
export async function acquireLease(db: Db, req: LeaseRequest): Promise<boolean> {
  const expires = new Date(Date.now() + (req.ttlMs ?? LEASE_TTL_MS));
  const rows = await db.$queryRaw<Array<{ holder: string }>>`
    INSERT INTO workload_leases (workload_id, org_id, holder, acquired_by, since, expires_at)
    VALUES (${req.workloadId}, ${req.orgId}, ${req.holder}, ${req.acquiredBy}, now(), ${expires})
    ON CONFLICT (workload_id) DO UPDATE
      SET holder = EXCLUDED.holder, acquired_by = EXCLUDED.acquired_by,
          since = CASE WHEN workload_leases.holder = EXCLUDED.holder THEN workload_leases.since ELSE now() END,
          expires_at = EXCLUDED.expires_at
      WHERE workload_leases.holder = EXCLUDED.holder OR workload_leases.expires_at < now()
    RETURNING holder`;
  return rows.length === 1;
}

export async function renewLease(db: Db, workloadId: string, holder: string, ttlMs = LEASE_TTL_MS): Promise<void> {
  const expires = new Date(Date.now() + ttlMs);
  await db.$executeRaw`UPDATE workload_leases SET expires_at = ${expires} WHERE workload_id = ${workloadId} AND holder = ${holder}`;
}

export async function releaseLease(db: Db, workloadId: string, holder: string): Promise<void> {
  await db.$executeRaw`DELETE FROM workload_leases WHERE workload_id = ${workloadId} AND holder = ${holder}`;
}

/** The driver id of the workload a command acts on, if it acts on one. */
function targetOf(command: Command): string | null {
  const payload = command.payload as Record<string, unknown>;
  if (typeof payload.workloadId === "string") return payload.workloadId;
  if (command.name === "vm.migration.prepare_incoming") {
    const uuid = command.payload.source.definition.uuid;
    return typeof uuid === "string" ? uuid : null;
  }
  return null;
}

/**
 * Refuses a command on a leased workload (called by requestCommand). `holder`: the caller's own
 * lease (the orchestrator's commands pass through).
 */
export async function assertNotLeased(
  prisma: PrismaClient,
  orgId: string,
  command: Command,
  holder: string | undefined,
): Promise<void> {
  const externalId = targetOf(command);
  if (!externalId) return;
  const lease = await prisma.workloadLease.findFirst({
    where: { orgId, expiresAt: { gt: new Date() }, workload: { externalId } },
    include: { workload: { select: { name: true } } },
  });
  if (!lease || lease.holder === holder) return;
  const what = lease.holder.startsWith("migration:")
    ? `is being migrated by ${lease.acquiredBy}`
    : `is held by ${lease.holder} for ${lease.acquiredBy}`;
  throw new AppError(
    "conflict",
    `${lease.workload.name} ${what} since ${lease.since.toISOString()}; try again when that is done.`,
  );
}
