/**
 * Executes one approved plan: its moves step by step (a step starts when the previous one has
 * ended), at most `concurrency` migrations at once, through the migrations domain (live for VMs,
 * cold for containers). All state is in the Plan row, so a run that stops (node shutdown, crash,
 * lost claim) is resumed by any node from where it was. The first failure, or a cancel, stops
 * the plan safely: no new move starts, running migrations finish, what ran stays recorded.
 */
import type { Prisma } from "@flotilla/db";
import type { CommandContext } from "../commands/request-command.js";
import type { Logger } from "../logger.js";
import { startMigration } from "../migrations/migrations.js";
import type { Services } from "../services.js";
import { checkStepCapacity } from "./check-step.js";
import type { StoredPlanInput } from "./plan-input.js";
import { ENDED_MOVE_STATES, type ExecutionMove, executionOf, toPlanUpdate } from "./plan-view.js";

const POLL_MS = 250;
export const CLAIM_MS = 30_000;
const MIGRATION_ENDED = ["succeeded", "failed", "cancelled"];

export interface RunPlanDeps extends Pick<Services, "prisma" | "live"> {
  log: Logger;
  nodeId: string;
  /** True once this node is shutting down: the run returns, leaving the plan to be resumed. */
  stopping: () => boolean;
}

const isEnded = (m: ExecutionMove) => (ENDED_MOVE_STATES as readonly string[]).includes(m.state);
const now = () => new Date().toISOString();

export async function runPlan(deps: RunPlanDeps, id: string): Promise<void> {
  const { prisma, live, nodeId } = deps;
  const log = deps.log.child({ planId: id });
  let row = await prisma.plan.findUniqueOrThrow({ where: { id } });
  if (row.state === "approved")
    row = await prisma.plan.update({ where: { id }, data: { state: "running", startedAt: new Date() } });
  if (row.state !== "running") return;
  const moves = executionOf(row);
  const options = row.options as { storage?: "shared" | "copy"; acceptVolumeLoss?: boolean };
  // Migrations run as the server on behalf of the approver (a null role holds every permission).
  const ctx: CommandContext = {
    prisma,
    live,
    log,
    actor: { orgId: row.orgId, userId: row.approvedById, role: null, ip: null },
  };
  let lastSent = "";

  /** Writes the moves and renews the claim; false when another node took the plan over. */
  async function save(data: Prisma.PlanUpdateManyMutationInput = {}): Promise<boolean> {
    const [saved] = await prisma.plan.updateManyAndReturn({
      where: { id, claimedBy: nodeId },
      data: {
        execution: moves as unknown as Prisma.InputJsonValue,
        claimedUntil: new Date(Date.now() + CLAIM_MS),
        ...data,
      },
    });
    if (!saved) return false;
    row = saved;
    const update = toPlanUpdate(saved);
    if (JSON.stringify(update) !== lastSent) live.planUpdate(saved.orgId, update);
    lastSent = JSON.stringify(update);
    return true;
  }

  async function launch(move: ExecutionMove): Promise<void> {
    const fail = (error: string) => Object.assign(move, { state: "failed", error, finishedAt: now() });
    const skip = (why: string) => Object.assign(move, { state: "skipped", error: why, finishedAt: now() });
    const workload = await prisma.workload.findUnique({ where: { id: move.workload } });
    // Gone or stopped since the plan was made: nothing to move, and it no longer loads any host
    // (the capacity re-check counts running workloads only), so the plan goes on without it.
    if (!workload || workload.removedAt) return void skip("not moved: the workload no longer exists");
    // Resumed after a crash between starting the migration and recording it: adopt that migration.
    const adopted = await prisma.migration.findFirst({
      where: { workloadId: move.workload, targetHostId: move.to, apiCalledAt: { gte: row.startedAt ?? row.createdAt } },
      orderBy: { apiCalledAt: "desc" },
    });
    if (adopted) return void Object.assign(move, { state: "running", migrationId: adopted.id, startedAt: now() });
    if (workload.hostId !== move.from) return void fail("the workload moved to another host since the plan was made");
    if (workload.state !== "running")
      return void skip(`not moved: ${workload.name} is ${workload.state} now (it was running when planned)`);
    try {
      const m = await startMigration(ctx, {
        workloadId: move.workload,
        targetHostId: move.to,
        storage: options.storage ?? "copy",
        acceptVolumeLoss: options.acceptVolumeLoss ?? false,
      });
      Object.assign(move, { state: "running", migrationId: m.id, startedAt: now() });
    } catch (err) {
      fail((err as Error).message);
    }
  }

  async function follow(move: ExecutionMove): Promise<void> {
    const m = await prisma.migration.findUnique({
      where: { id: move.migrationId as string },
      select: { state: true, error: true },
    });
    if (m && !MIGRATION_ENDED.includes(m.state)) return;
    const state = m?.state === "succeeded" ? "succeeded" : "failed";
    Object.assign(move, { state, error: m ? m.error : "its migration disappeared", finishedAt: now() });
    if (m?.state === "cancelled") move.error = `its migration was cancelled: ${m.error ?? ""}`.trim();
  }

  const nameOf = (workloadId: string) =>
    (row.input as unknown as StoredPlanInput).workloads.find((w) => w.id === workloadId)?.name ?? workloadId;
  let failure: string | null = row.error && !row.cancelRequestedAt ? row.error : null;

  for (;;) {
    if (deps.stopping()) return;
    for (const move of moves.filter((m) => m.state === "running")) await follow(move);
    const failed = moves.find((m) => m.state === "failed");
    if (failed && !failure) failure = `move of ${nameOf(failed.workload)} failed: ${failed.error ?? "unknown error"}`;
    const fresh = await prisma.plan.findUniqueOrThrow({ where: { id }, select: { cancelRequestedAt: true } });
    const halting = failure !== null || fresh.cancelRequestedAt !== null;
    const running = moves.filter((m) => m.state === "running");
    const step = moves.find((m) => !isEnded(m))?.step;

    if (step === undefined || (halting && running.length === 0)) break;
    if (!halting) {
      const stepMoves = moves.filter((m) => m.step === step);
      if (stepMoves.every((m) => m.state === "pending")) {
        const problem = await checkStepCapacity(prisma, row.input as unknown as StoredPlanInput, stepMoves);
        if (problem) {
          failure = `stopped before step ${step}: ${problem}`;
          continue;
        }
      }
      const free = Math.max(0, row.concurrency - running.length);
      for (const move of stepMoves.filter((m) => m.state === "pending").slice(0, free)) await launch(move);
    }
    if (!(await save())) return log.warn("plan taken over by another node");
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }

  const cancelled = failure === null && moves.some((m) => !isEnded(m));
  for (const move of moves) if (move.state === "pending") move.state = cancelled ? "cancelled" : "skipped";
  const state = failure ? "failed" : cancelled ? "cancelled" : "succeeded";
  await save({
    state,
    error: failure ?? (cancelled ? row.error : null),
    finishedAt: new Date(),
    claimedBy: null,
    claimedUntil: null,
  });
  log.info({ state, error: row.error }, "plan ended");
}
