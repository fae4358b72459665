/**
 * Host maintenance: a host in maintenance takes no placements (the deploy scheduler and the
 * planner only use online hosts) and keeps that status whatever its agent does (fleet/host-
 * liveness.ts only flips online <-> offline). Entering may evacuate it: plan the moves of all its
 * VMs and containers (plan-evacuation.ts), record an Evacuation and have the migrations
 * orchestrator run it (run-evacuation.ts), which also resumes it after a server restart.
 * Everything is scoped to the caller's organisation: another org's host is NOT_FOUND.
 */
import type { Prisma } from "@flotilla/db";
import { roleHasPermission } from "../access/permissions.js";
import type { CommandContext } from "../commands/request-command.js";
import { AppError } from "../errors.js";
import {
  ACTIVE_EVACUATION_STATES,
  type EvacuationView,
  toEvacuationUpdate,
  toEvacuationView,
} from "./evacuation-view.js";
import { planEvacuation } from "./plan-evacuation.js";
import { notifyEvacuation } from "./run-evacuation.js";

export interface EnterMaintenanceInput {
  hostId: string;
  evacuate: boolean;
  concurrency: number;
  /** VMs' disks: on a path both hosts see, or copied with the migration. */
  storage: "shared" | "copy";
  /** Containers with named volumes or bind mounts move without their data. */
  acceptVolumeLoss: boolean;
}

type ReadContext = Pick<CommandContext, "prisma" | "actor">;

async function findHost(ctx: ReadContext, hostId: string) {
  const host = await ctx.prisma.host.findFirst({ where: { id: hostId, orgId: ctx.actor.orgId } });
  if (!host) throw new AppError("not_found", "No such host.");
  return host;
}

async function setStatus(ctx: CommandContext, hostId: string, status: "online" | "maintenance") {
  const host = await ctx.prisma.host.update({ where: { id: hostId }, data: { status } });
  await ctx.prisma.auditEntry.create({
    data: {
      orgId: ctx.actor.orgId,
      actorId: ctx.actor.userId,
      actor: ctx.actor.userId ? `user:${ctx.actor.userId}` : "system",
      action: status === "maintenance" ? "host.maintenance.entered" : "host.maintenance.left",
      target: `host:${hostId}`,
      ip: ctx.actor.ip,
    },
  });
  ctx.live.hostStatus(ctx.actor.orgId, { hostId, status, lastSeenAt: host.lastSeenAt?.toISOString() ?? null });
}

export async function enterMaintenance(ctx: CommandContext, input: EnterMaintenanceInput) {
  const { prisma, actor } = ctx;
  const host = await findHost(ctx, input.hostId);
  if (input.evacuate && actor.role !== null && !roleHasPermission(actor.role, "migrations.run"))
    throw new AppError("forbidden", "Your role does not allow migrations, so it cannot evacuate a host.");
  const active = await prisma.evacuation.findFirst({
    where: { hostId: host.id, state: { in: [...ACTIVE_EVACUATION_STATES] } },
  });
  if (active) throw new AppError("conflict", `${host.name} is already being evacuated.`);
  if (host.status !== "maintenance") await setStatus(ctx, host.id, "maintenance");
  if (!input.evacuate) return { hostId: host.id, status: "maintenance" as const, evacuation: null };

  let row = await prisma.evacuation.create({
    data: {
      orgId: actor.orgId,
      hostId: host.id,
      concurrency: input.concurrency,
      requestedById: actor.userId,
      storage: input.storage,
      acceptVolumeLoss: input.acceptVolumeLoss,
    },
  });
  ctx.live.evacuationUpdate(actor.orgId, toEvacuationUpdate(row));
  try {
    const moves = await planEvacuation(prisma, host);
    row = await prisma.evacuation.update({ where: { id: row.id }, data: { state: "running", moves: moves as never } });
  } catch (err) {
    // The host stays in maintenance (that was asked for); the evacuation says why nothing moves.
    if (!(err instanceof AppError)) throw err;
    row = await prisma.evacuation.update({
      where: { id: row.id },
      data: { state: "failed", error: err.message, finishedAt: new Date() },
    });
    ctx.live.evacuationUpdate(actor.orgId, toEvacuationUpdate(row));
    return { hostId: host.id, status: "maintenance" as const, evacuation: toEvacuationView(row) };
  }
  ctx.live.evacuationUpdate(actor.orgId, toEvacuationUpdate(row));
  // The orchestrator (on whichever node claims it) runs it, and resumes it after a restart.
  await notifyEvacuation(prisma, row.id);
  return { hostId: host.id, status: "maintenance" as const, evacuation: toEvacuationView(row) };
}

/** Back to placement. A running evacuation is cancelled: no new move starts, running ones finish. */
export async function leaveMaintenance(ctx: CommandContext, hostId: string) {
  const host = await findHost(ctx, hostId);
  if (host.status !== "maintenance") throw new AppError("conflict", `${host.name} is not in maintenance.`);
  await ctx.prisma.evacuation.updateMany({
    where: { hostId, state: { in: [...ACTIVE_EVACUATION_STATES] } },
    data: { state: "cancelled", error: "cancelled: the host left maintenance" },
  });
  // Online now; the liveness sweeper marks it offline if its agent is silent.
  await setStatus(ctx, hostId, "online");
  return { hostId, status: "online" as const };
}

export async function getMaintenance(ctx: ReadContext, hostId: string) {
  const host = await findHost(ctx, hostId);
  const latest = await ctx.prisma.evacuation.findFirst({ where: { hostId }, orderBy: { createdAt: "desc" } });
  return { hostId, status: host.status, evacuation: latest ? toEvacuationView(latest) : null };
}

/** The org's newest evacuations (of one host when named) of hosts matching `visibleHost`, filtered in the query. */
export async function listEvacuations(
  ctx: ReadContext,
  visibleHost: Prisma.HostWhereInput,
  hostId?: string,
  limit = 50,
): Promise<EvacuationView[]> {
  if (hostId) await findHost(ctx, hostId);
  const rows = await ctx.prisma.evacuation.findMany({
    where: { orgId: ctx.actor.orgId, host: visibleHost, ...(hostId ? { hostId } : {}) },
    orderBy: { createdAt: "desc" },
    take: limit,
  });
  return rows.map(toEvacuationView);
}
