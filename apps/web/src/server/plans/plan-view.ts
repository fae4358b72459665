/** How a plan looks outside the database: to the API (PlanView) and to browsers (`plan:update`). */
import type { Prisma } from "@flotilla/db";
import type { Plan as PlannerOutput } from "@flotilla/planner";
import type { PlanUpdateEvent } from "../../shared/live-events.js";
import type { StoredPlanInput } from "./plan-input.js";

export type PlanRow = Prisma.PlanGetPayload<object>;

export const ACTIVE_PLAN_STATES = ["approved", "running"] as const;
export const ENDED_MOVE_STATES = ["succeeded", "failed", "cancelled", "skipped"] as const;

/** One planner move and how executing it went; kept in Plan.execution, in plan order. */
export interface ExecutionMove {
  index: number;
  workload: string;
  from: string;
  to: string;
  step: number;
  reason: string;
  state: "pending" | "running" | "succeeded" | "failed" | "cancelled" | "skipped";
  migrationId: string | null;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export function executionOf(row: Pick<PlanRow, "execution">): ExecutionMove[] {
  return row.execution as unknown as ExecutionMove[];
}

export function initialExecution(output: PlannerOutput): ExecutionMove[] {
  return output.moves.map((m, index) => ({
    index,
    ...m,
    state: "pending",
    migrationId: null,
    error: null,
    startedAt: null,
    finishedAt: null,
  }));
}

export function toPlanUpdate(row: PlanRow): PlanUpdateEvent {
  const moves = executionOf(row);
  const ended = moves.filter((m) => (ENDED_MOVE_STATES as readonly string[]).includes(m.state));
  const current = moves.find((m) => m.state === "running" || m.state === "pending");
  return {
    id: row.id,
    state: row.state,
    progress: moves.length ? ended.length / moves.length : row.state === "succeeded" ? 1 : 0,
    moves: moves.length,
    movesSucceeded: moves.filter((m) => m.state === "succeeded").length,
    step: current?.step ?? null,
    error: row.error,
  };
}

export type PlanView = ReturnType<typeof toPlanView>;

export function toPlanView(row: PlanRow) {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    ...toPlanUpdate(row),
    scope: row.scope,
    options: row.options,
    input: row.input as unknown as StoredPlanInput,
    output: row.output as unknown as PlannerOutput,
    execution: executionOf(row),
    concurrency: row.concurrency,
    createdById: row.createdById,
    approvedById: row.approvedById,
    approvedAt: iso(row.approvedAt),
    cancelRequestedAt: iso(row.cancelRequestedAt),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    createdAt: row.createdAt.toISOString(),
  };
}
