/**
 * What every migration start ends with: the Migration row and the workload's lease in ONE
 * transaction (a second start on the same workload loses the lease and gets a CONFLICT), an audit
 * entry, and a NOTIFY that wakes the orchestrator.
 */
import type { Prisma, Workload } from "@flotilla/db";
import type { CommandContext } from "../commands/request-command.js";
import { AppError } from "../errors.js";
import { acquireLease } from "./leases.js";
import { MIGRATIONS_CHANNEL, type MigrationView, toMigrationUpdate, toMigrationView } from "./migration-view.js";

/** Drivers whose VMs move live: qemu, and the sim driver's simulated migration (demo fleets). */
export const LIVE_MIGRATION_DRIVERS: readonly string[] = ["qemu", "sim"];
/** Drivers whose containers move cold. */
export const COLD_MIGRATION_DRIVERS: readonly string[] = ["docker", "sim"];

/** The target host of a move, in the caller's organisation, online and running `driver`. */
export async function findTargetHost(
  ctx: Pick<CommandContext, "prisma" | "actor">,
  targetHostId: string,
  workload: Pick<Workload, "hostId" | "name">,
  driver: string,
) {
  const target = await ctx.prisma.host.findFirst({ where: { id: targetHostId, orgId: ctx.actor.orgId } });
  if (!target) throw new AppError("not_found", "No such target host.");
  if (target.id === workload.hostId) throw new AppError("invalid", `${workload.name} already runs on ${target.name}.`);
  if (target.status !== "online") throw new AppError("invalid", `${target.name} is ${target.status}.`);
  if (!target.drivers.includes(driver))
    throw new AppError("invalid", `${target.name} does not run the ${driver} driver.`);
  return target;
}

export type MigrationFields = Omit<
  Prisma.MigrationUncheckedCreateInput,
  "orgId" | "workloadId" | "externalId" | "sourceHostId" | "requestedById"
>;

export async function recordMigration(
  ctx: CommandContext,
  workload: Pick<Workload, "id" | "externalId" | "hostId" | "name">,
  fields: MigrationFields,
): Promise<MigrationView> {
  const { prisma, actor } = ctx;
  const user = actor.userId
    ? await prisma.user.findUnique({ where: { id: actor.userId }, select: { email: true } })
    : null;
  const acquiredBy = user?.email ?? "the system";
  const migration = await prisma.$transaction(async (tx) => {
    const row = await tx.migration.create({
      data: {
        ...fields,
        orgId: actor.orgId,
        workloadId: workload.id,
        externalId: workload.externalId,
        sourceHostId: workload.hostId,
        requestedById: actor.userId,
      },
    });
    const holder = `migration:${row.id}`;
    if (!(await acquireLease(tx, { workloadId: workload.id, orgId: actor.orgId, holder, acquiredBy }))) {
      const lease = await tx.workloadLease.findUnique({ where: { workloadId: workload.id } });
      throw new AppError(
        "conflict",
        `${workload.name} is held by ${lease?.holder ?? "another operation"} (${lease?.acquiredBy ?? "?"}) since ${lease?.since.toISOString() ?? "?"}.`,
      );
    }
    await tx.auditEntry.create({
      data: {
        orgId: actor.orgId,
        actorId: actor.userId,
        actor: actor.userId ? `user:${actor.userId}` : "system",
        action: "migration.requested",
        target: `workload:${workload.id}`,
        ip: actor.ip,
        data: {
          migrationId: row.id,
          kind: row.kind,
          from: workload.hostId,
          to: row.targetHostId,
          storage: row.storage,
        },
      },
    });
    await tx.$executeRaw`SELECT pg_notify(${MIGRATIONS_CHANNEL}, ${row.id})`;
    return row;
  });
  ctx.log.info(
    { migrationId: migration.id, workload: workload.name, to: migration.targetHostId },
    "migration requested",
  );
  ctx.live.migrationUpdate(actor.orgId, toMigrationUpdate(migration));
  return toMigrationView(migration);
}
