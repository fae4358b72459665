/**
 * Asking for, following and cancelling live migrations. Starting one checks both hosts and the
 * VM, then writes the Migration row and takes the workload's lease in ONE transaction (a second
 * start on the same VM loses the lease and gets a CONFLICT), and wakes the orchestrator with a
 * NOTIFY. Everything is scoped to the caller's organisation: another org's objects are NOT_FOUND.
 */

import type { CommandContext } from "../commands/request-command.js";
import { AppError } from "../errors.js";
import { acquireLease } from "./leases.js";
import {
  ACTIVE_MIGRATION_STATES,
  MIGRATIONS_CHANNEL,
  type MigrationView,
  toMigrationUpdate,
  toMigrationView,
} from "./migration-view.js";

export interface StartMigrationInput {
  workloadId: string;
  targetHostId: string;
  storage: "shared" | "copy";
  /** The address the source reaches the target on; default: the target host's `migration-address` label. */
  listenHost?: string;
  /** Bytes per second for the RAM stream and each disk copy; default: the agent's. */
  maxBandwidthBytesPerSec?: number;
}

/** The host label naming the address other hosts send migrations to. */
export const MIGRATION_ADDRESS_LABEL = "migration-address";

export function listenHostOf(labels: unknown): string | undefined {
  const value = (labels as Record<string, unknown> | null)?.[MIGRATION_ADDRESS_LABEL];
  return typeof value === "string" ? value : undefined;
}

export async function startMigration(ctx: CommandContext, input: StartMigrationInput): Promise<MigrationView> {
  const { prisma, actor } = ctx;
  const workload = await prisma.workload.findFirst({
    where: { id: input.workloadId, host: { orgId: actor.orgId } },
    include: { host: { select: { id: true, status: true, name: true } } },
  });
  if (!workload || workload.removedAt) throw new AppError("not_found", "No such workload.");
  if (workload.kind !== "vm" || workload.driver !== "qemu")
    throw new AppError("invalid", "Only VMs of the qemu driver can be live-migrated.");
  if (workload.state !== "running")
    throw new AppError("invalid", `${workload.name} is ${workload.state}, not running.`);
  const target = await prisma.host.findFirst({ where: { id: input.targetHostId, orgId: actor.orgId } });
  if (!target) throw new AppError("not_found", "No such target host.");
  if (target.id === workload.hostId) throw new AppError("invalid", `${workload.name} already runs on ${target.name}.`);
  if (target.status !== "online") throw new AppError("invalid", `${target.name} is ${target.status}.`);
  if (!target.drivers.includes("qemu")) throw new AppError("invalid", `${target.name} does not run the qemu driver.`);
  const listenHost = input.listenHost ?? listenHostOf(target.labels);
  if (!listenHost)
    throw new AppError("invalid", `${target.name} has no "${MIGRATION_ADDRESS_LABEL}" label; give listenHost.`);

  const user = actor.userId
    ? await prisma.user.findUnique({ where: { id: actor.userId }, select: { email: true } })
    : null;
  const acquiredBy = user?.email ?? "the system";
  const migration = await prisma.$transaction(async (tx) => {
    const row = await tx.migration.create({
      data: {
        orgId: actor.orgId,
        workloadId: workload.id,
        externalId: workload.externalId,
        sourceHostId: workload.hostId,
        targetHostId: target.id,
        storage: input.storage,
        listenHost,
        maxBandwidth: input.maxBandwidthBytesPerSec === undefined ? null : BigInt(input.maxBandwidthBytesPerSec),
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
        data: { migrationId: row.id, from: workload.hostId, to: target.id, storage: input.storage },
      },
    });
    await tx.$executeRaw`SELECT pg_notify(${MIGRATIONS_CHANNEL}, ${row.id})`;
    return row;
  });
  ctx.log.info({ migrationId: migration.id, workload: workload.name, to: target.name }, "migration requested");
  ctx.live.migrationUpdate(actor.orgId, toMigrationUpdate(migration));
  return toMigrationView(migration);
}

export async function cancelMigration(ctx: CommandContext, id: string, reason?: string): Promise<MigrationView> {
  const { prisma, actor } = ctx;
  const found = await prisma.migration.findFirst({ where: { id, orgId: actor.orgId } });
  if (!found) throw new AppError("not_found", "No such migration.");
  if (!(ACTIVE_MIGRATION_STATES as readonly string[]).includes(found.state))
    throw new AppError("conflict", `This migration already ended (${found.state}).`);
  const [row] = await prisma.migration.updateManyAndReturn({
    where: { id, cancelRequestedAt: null, state: { in: [...ACTIVE_MIGRATION_STATES] } },
    data: {
      cancelRequestedAt: new Date(),
      error: reason ?? `cancelled by ${actor.userId ? `user:${actor.userId}` : "the system"}`,
    },
  });
  await prisma.$executeRaw`SELECT pg_notify(${MIGRATIONS_CHANNEL}, ${id})`;
  return toMigrationView(row ?? found);
}

export async function listMigrations(ctx: Pick<CommandContext, "prisma" | "actor">, workloadId?: string, limit = 50) {
  const rows = await ctx.prisma.migration.findMany({
    where: { orgId: ctx.actor.orgId, ...(workloadId ? { workloadId } : {}) },
    orderBy: { apiCalledAt: "desc" },
    take: limit,
  });
  return rows.map(toMigrationView);
}

export async function getMigration(ctx: Pick<CommandContext, "prisma" | "actor">, id: string) {
  const row = await ctx.prisma.migration.findFirst({ where: { id, orgId: ctx.actor.orgId } });
  if (!row) throw new AppError("not_found", "No such migration.");
  return toMigrationView(row);
}
