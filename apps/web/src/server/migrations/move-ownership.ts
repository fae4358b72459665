/**
 * The end of a successful migration in the database: the Workload row (its id, history and
 * migrations) now belongs to the target host, the migration is succeeded and the lease released,
 * in one transaction. The target's inventory may already have reported the VM as a new row
 * (it arrived there before this ran): that row's state changes join the original and it goes.
 * A cold-migrated container has a new id on the target: it becomes the row's identity.
 */
import { Prisma } from "@flotilla/db";
import type { PrismaClient } from "../services.js";
import type { Migration } from "./migration-view.js";

export async function moveOwnership(prisma: PrismaClient, m: Migration, holder: string): Promise<Migration> {
  for (let attempt = 1; ; attempt++) {
    try {
      const externalId = m.targetExternalId ?? m.externalId;
      return await prisma.$transaction(async (tx) => {
        const arrived = await tx.workload.findUnique({
          where: { hostId_externalId: { hostId: m.targetHostId, externalId } },
        });
        if (arrived && arrived.id !== m.workloadId) {
          await tx.workloadStateChange.updateMany({
            where: { workloadId: arrived.id },
            data: { workloadId: m.workloadId },
          });
          await tx.workload.delete({ where: { id: arrived.id } });
        }
        const before = await tx.workload.findUniqueOrThrow({ where: { id: m.workloadId } });
        await tx.workload.update({
          where: { id: m.workloadId },
          data: {
            hostId: m.targetHostId,
            externalId,
            removedAt: null,
            state: arrived?.removedAt ? before.state : (arrived?.state ?? "running"),
            // What the target reported (a recreated container's ports, its start) is the truth now.
            ...(arrived && !arrived.removedAt
              ? {
                  name: arrived.name,
                  image: arrived.image,
                  vcpus: arrived.vcpus,
                  memoryBytes: arrived.memoryBytes,
                  ports: arrived.ports ?? [],
                  labels: arrived.labels ?? {},
                  startedAt: arrived.startedAt,
                }
              : {}),
          },
        });
        const now = new Date();
        await tx.auditEntry.create({
          data: {
            orgId: m.orgId,
            actorId: m.requestedById,
            actor: "system",
            action: "migration.succeeded",
            target: `workload:${m.workloadId}`,
            data: {
              migrationId: m.id,
              from: m.sourceHostId,
              to: m.targetHostId,
              downtimeMs: m.downtimeMs,
              ...(m.targetExternalId ? { oldExternalId: m.externalId, newExternalId: m.targetExternalId } : {}),
            },
          },
        });
        await tx.workloadLease.deleteMany({ where: { workloadId: m.workloadId, holder } });
        return tx.migration.update({ where: { id: m.id }, data: { state: "succeeded", finishedAt: now, error: null } });
      });
    } catch (err) {
      // The target's inventory may have inserted the arriving row at the same moment: try again.
      const retryable = err instanceof Prisma.PrismaClientKnownRequestError && ["P2002", "P2034"].includes(err.code);
      if (!retryable || attempt >= 5) throw err;
    }
  }
}
