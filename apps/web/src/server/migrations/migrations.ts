/**
 * Asking for, following and cancelling migrations: live for VMs, cold for containers
 * (start-cold-migration.ts). Starting one checks both hosts and the workload, then writes the Migration row and takes the workload's lease in ONE transaction (a second
 * start on the same VM loses the lease and gets a CONFLICT), and wakes the orchestrator with a
 * NOTIFY. Everything is scoped to the caller's organisation: another org's objects are NOT_FOUND.
 */

import type { Prisma } from "@flotilla/db";
import type { CommandContext } from "../commands/request-command.js";
import { AppError } from "../errors.js";
import { ACTIVE_MIGRATION_STATES, MIGRATIONS_CHANNEL, type MigrationView, toMigrationView } from "./migration-view.js";
import { findTargetHost, LIVE_MIGRATION_DRIVERS, recordMigration } from "./record-migration.js";
import { startColdMigration } from "./start-cold-migration.js";

export interface StartMigrationInput {
  workloadId: string;
  targetHostId: string;
  /** Live (VM) migrations only; default "shared". */
  storage?: "shared" | "copy";
  /** Containers: named volumes and bind mounts stay behind; moving anyway must be said. */
  acceptVolumeLoss?: boolean;
  /** The host evacuation this move belongs to. */
  evacuationId?: string;
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
  if (workload.kind === "container") return startColdMigration(ctx, workload, input);
  if (workload.kind !== "vm" || !LIVE_MIGRATION_DRIVERS.includes(workload.driver))
    throw new AppError("invalid", "Only VMs of the qemu (or simulated) driver can be live-migrated.");
  if (workload.state !== "running")
    throw new AppError("invalid", `${workload.name} is ${workload.state}, not running.`);
  const target = await findTargetHost(ctx, input.targetHostId, workload, workload.driver);
  // Simulated hosts move VMs inside their agent process: no address is needed, any will do.
  const listenHost =
    input.listenHost ?? listenHostOf(target.labels) ?? (workload.driver === "sim" ? "127.0.0.1" : undefined);
  if (!listenHost)
    throw new AppError("invalid", `${target.name} has no "${MIGRATION_ADDRESS_LABEL}" label; give listenHost.`);
  return recordMigration(ctx, workload, {
    targetHostId: target.id,
    storage: input.storage ?? "shared",
    listenHost,
    maxBandwidth: input.maxBandwidthBytesPerSec === undefined ? null : BigInt(input.maxBandwidthBytesPerSec),
    evacuationId: input.evacuationId ?? null,
  });
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

/**
 * The org's newest migrations whose both ends match `visibleHost` (the caller's teams). Filtered in
 * the query, so a page holds `limit` rows whenever that many visible ones exist.
 */
export async function listMigrations(
  ctx: Pick<CommandContext, "prisma" | "actor">,
  visibleHost: Prisma.HostWhereInput,
  workloadId?: string,
  limit = 50,
) {
  const rows = await ctx.prisma.migration.findMany({
    where: {
      orgId: ctx.actor.orgId,
      sourceHost: visibleHost,
      targetHost: visibleHost,
      ...(workloadId ? { workloadId } : {}),
    },
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
