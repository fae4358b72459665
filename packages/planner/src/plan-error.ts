// The one error the planner throws: a code for machines, a message an operator can act on.

export type PlanErrorCode =
  | "invalid_input"
  | "workload_too_large"
  | "insufficient_capacity"
  | "anti_affinity_unsatisfiable"
  | "pinned_on_maintenance"
  | "pinned_over_capacity"
  | "pinned_anti_affinity_conflict"
  | "no_placement_found"
  | "moves_unschedulable"
  /** The planner's own result failed its independent check: a bug, refused rather than executed. */
  | "plan_check_failed";

export class PlanError extends Error {
  override readonly name = "PlanError";

  constructor(
    readonly code: PlanErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Rounds for messages: 9.600000000000001 cores reads as 9.6. */
export function formatAmount(value: number): string {
  return String(Math.round(value * 100) / 100);
}
