/**
 * Consolidation plans: built from stored data and the planner, reviewed, approved (role-gated),
 * then executed by the plan executor (executor.ts), which picks approved plans up from the
 * database. Everything is scoped to the caller's organisation: another org's plan or host is NOT_FOUND.
 */
import type { Prisma } from "@flotilla/db";
import { PlanError } from "@flotilla/planner";
import type { CommandContext } from "../commands/request-command.js";
import { AppError } from "../errors.js";
import type { Services } from "../services.js";
import { planAcrossPools } from "./driver-pools.js";
import { buildPlanInput, type PlanOptions, type PlanScope, STANDBY_LABEL, type StoredPlanInput } from "./plan-input.js";
import {
  ACTIVE_PLAN_STATES,
  initialExecution,
  type PlanRow,
  type PlanView,
  toPlanUpdate,
  toPlanView,
} from "./plan-view.js";

export type PlansContext = CommandContext & Pick<Services, "pool">;
type ReadContext = Pick<CommandContext, "prisma" | "actor">;

export interface CreatePlanInput extends PlanOptions {
  scope: PlanScope;
  /** Moves running at once during execution. */
  concurrency: number;
  /** VMs' disks: on a path both hosts see, or copied with the migration. */
  storage: "shared" | "copy";
  /** Containers with named volumes or bind mounts move without their data. */
  acceptVolumeLoss: boolean;
}

const json = (value: unknown) => value as Prisma.InputJsonValue;

export async function createPlan(ctx: PlansContext, input: CreatePlanInput): Promise<PlanView> {
  const { scope, concurrency, storage, acceptVolumeLoss, ...options } = input;
  const plannerInput = await buildPlanInput({ ...ctx, orgId: ctx.actor.orgId }, scope, options);
  let output: ReturnType<typeof planAcrossPools>;
  try {
    output = planAcrossPools(plannerInput);
  } catch (err) {
    // The planner's message names the cause (which workload, host or group); the UI shows it as is.
    if (err instanceof PlanError)
      throw new AppError("invalid", `No plan possible: ${withNames(err.message, plannerInput)}`, { cause: err });
    throw err;
  }
  const row = await ctx.prisma.plan.create({
    data: {
      orgId: ctx.actor.orgId,
      scope: json(scope),
      options: json({ ...options, storage, acceptVolumeLoss }),
      input: json(plannerInput),
      output: json(output),
      execution: json(initialExecution(output)),
      concurrency,
      createdById: ctx.actor.userId,
    },
  });
  await audit(ctx, "plan.created", row.id);
  ctx.live.planUpdate(row.orgId, toPlanUpdate(row));
  return toPlanView(row);
}

/** The planner speaks in ids (uuids); people know hosts and workloads by name. */
function withNames(message: string, input: StoredPlanInput): string {
  let named = message;
  for (const item of [...input.hosts, ...input.workloads]) named = named.replaceAll(item.id, item.name);
  return named;
}

async function findPlan(ctx: ReadContext, id: string): Promise<PlanRow> {
  const row = await ctx.prisma.plan.findFirst({ where: { id, orgId: ctx.actor.orgId } });
  if (!row) throw new AppError("not_found", "No such plan.");
  return row;
}

export async function getPlan(ctx: ReadContext, id: string): Promise<PlanView> {
  return toPlanView(await findPlan(ctx, id));
}

export async function listPlans(ctx: ReadContext, limit = 50): Promise<PlanView[]> {
  const rows = await ctx.prisma.plan.findMany({
    where: { orgId: ctx.actor.orgId },
    orderBy: { createdAt: "desc" },
    take: limit,
  });
  return rows.map(toPlanView);
}

/** Approving hands the plan to the executor (it polls for approved plans). Only a draft can be approved. */
export async function approvePlan(ctx: CommandContext, id: string): Promise<PlanView> {
  const found = await findPlan(ctx, id);
  const [row] = await ctx.prisma.plan.updateManyAndReturn({
    where: { id: found.id, state: "draft" },
    data: { state: "approved", approvedById: ctx.actor.userId, approvedAt: new Date() },
  });
  if (!row) throw new AppError("conflict", `This plan is ${found.state}; only a draft can be approved.`);
  await audit(ctx, "plan.approved", id);
  ctx.live.planUpdate(row.orgId, toPlanUpdate(row));
  return toPlanView(row);
}

/**
 * A draft or approved plan ends cancelled at once; a running one is asked to stop: no new move
 * starts, the running migrations finish (each is safe on its own), then it ends cancelled.
 */
export async function cancelPlan(ctx: CommandContext, id: string): Promise<PlanView> {
  const found = await findPlan(ctx, id);
  const by = ctx.actor.userId ? `user:${ctx.actor.userId}` : "the system";
  const [idle] = await ctx.prisma.plan.updateManyAndReturn({
    where: { id, state: { in: ["draft", "approved"] } },
    data: { state: "cancelled", error: `cancelled by ${by}`, cancelRequestedAt: new Date(), finishedAt: new Date() },
  });
  const [running] = idle
    ? [idle]
    : await ctx.prisma.plan.updateManyAndReturn({
        where: { id, state: "running", cancelRequestedAt: null },
        data: { cancelRequestedAt: new Date(), error: `cancelled by ${by}` },
      });
  if (!running) {
    if (found.state === "running") return toPlanView(found);
    throw new AppError("conflict", `This plan already ended (${found.state}).`);
  }
  await audit(ctx, "plan.cancelled", id);
  ctx.live.planUpdate(running.orgId, toPlanUpdate(running));
  return toPlanView(running);
}

/**
 * Marks an emptied host for standby: sets its `flotilla.standby` label (the time it was marked),
 * which keeps later plans from placing anything on it (planned like a host in maintenance) and
 * tells an operator or power tooling it may be switched off. It does not power anything down.
 * Refused while the host still runs a workload.
 */
export async function markStandby(ctx: CommandContext, hostId: string) {
  const host = await ctx.prisma.host.findFirst({ where: { id: hostId, orgId: ctx.actor.orgId } });
  if (!host) throw new AppError("not_found", "No such host.");
  const running = await ctx.prisma.workload.count({ where: { hostId, removedAt: null, state: "running" } });
  if (running > 0) throw new AppError("conflict", `${host.name} still runs ${running} workload(s); empty it first.`);
  const active = await ctx.prisma.plan.count({
    where: { orgId: ctx.actor.orgId, state: { in: [...ACTIVE_PLAN_STATES] } },
  });
  if (active > 0) throw new AppError("conflict", "A plan is executing; mark hosts for standby once it ended.");
  const labels = { ...((host.labels ?? {}) as Record<string, unknown>), [STANDBY_LABEL]: new Date().toISOString() };
  await ctx.prisma.host.update({ where: { id: hostId }, data: { labels: json(labels) } });
  await audit(ctx, "host.standby.marked", hostId, "host");
  return { hostId, standby: true as const, labels };
}

async function audit(ctx: CommandContext, action: string, id: string, kind = "plan"): Promise<void> {
  await ctx.prisma.auditEntry.create({
    data: {
      orgId: ctx.actor.orgId,
      actorId: ctx.actor.userId,
      actor: ctx.actor.userId ? `user:${ctx.actor.userId}` : "system",
      action,
      target: `${kind}:${id}`,
      ip: ctx.actor.ip,
    },
  });
}
