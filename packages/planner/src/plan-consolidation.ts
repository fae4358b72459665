// The planner's entry point: input JSON in, a reviewable plan out, or a PlanError naming
// why no plan can exist.
import { analyseStays } from "./analyse-stays.js";
import { checkFeasibility } from "./check-feasibility.js";
import { findPlacement } from "./find-placement.js";
import { at, buildFleet, type Fleet, usableHosts } from "./fleet.js";
import { computeLowerBound } from "./lower-bound.js";
import { PlanError } from "./plan-error.js";
import { scheduleMoves } from "./schedule-moves.js";
import { type Move, type Plan, type PlanInput, planInputSchema } from "./schema.js";

const BYTES_PER_MB = 1024 * 1024;

/** Validates untrusted JSON (from an API call or a file) into planner input. */
export function parsePlanInput(json: unknown): PlanInput {
  const parsed = planInputSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
    return `${path.replace(/^\./, "") || "input"}: ${issue.message}`;
  });
  const more = parsed.error.issues.length > 5 ? ` (and ${parsed.error.issues.length - 5} more)` : "";
  throw new PlanError("invalid_input", `invalid planner input: ${issues.join("; ")}${more}`);
}

export function planConsolidation(json: unknown): Plan {
  const fleet = buildFleet(parsePlanInput(json));
  checkFeasibility(fleet);
  const lowerBound = computeLowerBound(fleet);
  const usable = usableHosts(fleet).length;
  if (lowerBound > usable) {
    throw new PlanError(
      "insufficient_capacity",
      `the workloads need at least ${lowerBound} hosts but only ${usable} are usable`,
    );
  }
  if (fleet.workloadCount === 0) return toPlan(fleet, fleet.home, [], lowerBound);
  const stays = analyseStays(fleet);
  const { packing, reasons } = findPlacement(fleet, stays, lowerBound);
  const moves = scheduleMoves(fleet, packing.host, reasons);
  return toPlan(fleet, packing.host, moves, lowerBound);
}

function toPlan(fleet: Fleet, target: Int32Array, moves: Move[], lowerBound: number): Plan {
  // fromEntries defines own properties, so even a workload named "__proto__" is kept.
  const placement = Object.fromEntries(Array.from(target, (h, w) => [fleet.workloadIds[w], fleet.hostIds[h]]));
  const memOf = new Map(fleet.workloadIds.map((id, w) => [id, at(fleet.mem, w)]));
  const bytes = moves.reduce((sum, m) => sum + (memOf.get(m.workload) ?? 0) * BYTES_PER_MB, 0);
  return {
    placement,
    moves,
    figures: {
      hostsBefore: countHosts(fleet.home),
      hostsAfter: countHosts(target),
      lowerBound,
      migrations: moves.length,
      bytesToMove: Math.round(bytes),
    },
  };
}

function countHosts(hostOf: Int32Array): number {
  return new Set(hostOf).size;
}
