// The planner's entry point: input JSON in, a reviewable plan out, or a PlanError naming
// why no plan can exist.
import { analyseStays, type StayAnalysis } from "./analyse-stays.js";
import { checkFeasibility } from "./check-feasibility.js";
import { checkPlan } from "./check-plan.js";
import { toPlacement } from "./empty-hosts.js";
import { exchangeKeptHost } from "./exchange-kept-host.js";
import { findPlacement, type Placement } from "./find-placement.js";
import { at, buildFleet, type Fleet, usableHosts } from "./fleet.js";
import { computeLowerBound } from "./lower-bound.js";
import { PlanError } from "./plan-error.js";
import { countMoves, reduceMigrations } from "./reduce-migrations.js";
import { scheduleMoves } from "./schedule-moves.js";
import { type Move, type Plan, type PlanInput, planInputSchema } from "./schema.js";
import { findSetAsideHosts, type SetAsideHost, setAsideReason, setAsideWarning, withoutSetAside } from "./set-aside.js";

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
  const input = parsePlanInput(json);
  const aside = findSetAsideHosts(input);
  const fleet = buildFleet(withoutSetAside(input, aside));
  checkFeasibility(fleet);
  const lowerBound = computeLowerBound(fleet);
  const usable = usableHosts(fleet).length;
  if (lowerBound > usable) {
    throw new PlanError(
      "insufficient_capacity",
      `the workloads need at least ${lowerBound} hosts but only ${usable} are usable`,
    );
  }
  if (fleet.workloadCount === 0) return toPlan(input, fleet, fleet.home, [], lowerBound, aside);
  const stays = analyseStays(fleet);
  const placement = findPlacement(fleet, stays, lowerBound);
  const { target, moves } = scheduleFewestMoves(fleet, stays, placement);
  const plan = toPlan(
    input,
    fleet,
    target,
    moves.map((m) => setAsideReason(m, aside)),
    lowerBound,
    aside,
  );
  // The independent check the tests use as their oracle, on every plan: a search bug must never
  // reach an operator's approval as a plan that overloads a host or breaks a rule.
  const problems = checkPlan(input, plan);
  if (problems.length > 0)
    throw new PlanError(
      "plan_check_failed",
      `the planner's plan failed its own check, so it is not offered (please report): ${problems.slice(0, 3).join("; ")}`,
    );
  return plan;
}

/**
 * The placement found, or one on as many hosts with fewer migrations (reduce-migrations.ts,
 * exchange-kept-host.ts) when its moves can be ordered and that order needs fewer moves in
 * all (temporary hops count).
 */
function scheduleFewestMoves(
  fleet: Fleet,
  stays: StayAnalysis,
  found: Placement,
): { target: Int32Array; moves: Move[] } {
  const original = found.packing.host;
  const reduced = exchangeKeptHost(fleet, stays, reduceMigrations(fleet, original));
  if (reduced === original) return { target: original, moves: scheduleMoves(fleet, original, found.reasons) };
  const placement = toPlacement(fleet, { ...found, reasons: reasonsForHostsKept(fleet, found, reduced) }, reduced);
  const moves = scheduleOrNull(fleet, reduced, placement.reasons);
  if (moves !== null && moves.length === countMoves(fleet, reduced)) return { target: reduced, moves };
  // Hops, or no order at all: the original placement may schedule in fewer moves.
  if (moves === null) return { target: original, moves: scheduleMoves(fleet, original, found.reasons) };
  const fallback = scheduleOrNull(fleet, original, found.reasons);
  return fallback === null || moves.length < fallback.length
    ? { target: reduced, moves }
    : { target: original, moves: fallback };
}

/** The scheduled moves, or null when they cannot be ordered (the caller has another placement to try). */
function scheduleOrNull(fleet: Fleet, target: Int32Array, reasons: Map<number, string>): Move[] | null {
  try {
    return scheduleMoves(fleet, target, reasons);
  } catch (error) {
    if (error instanceof PlanError) return null;
    throw error;
  }
}

/**
 * The reasons that still hold on `target`: where a host was traded, its workloads move for
 * another reason than before (it is emptied now, or kept and only some leave).
 */
function reasonsForHostsKept(fleet: Fleet, found: Placement, target: Int32Array): Map<number, string> {
  const usedBefore = new Uint8Array(fleet.hostCount);
  const usedAfter = new Uint8Array(fleet.hostCount);
  for (const h of found.packing.host) usedBefore[h] = 1;
  for (const h of target) usedAfter[h] = 1;
  const same = (h: number) => usedBefore[h] === usedAfter[h] || fleet.maintenance[h] === 1;
  return new Map([...found.reasons].filter(([w]) => same(at(fleet.home, w))));
}

function toPlan(
  input: PlanInput,
  fleet: Fleet,
  target: Int32Array,
  moves: Move[],
  lowerBound: number,
  aside: readonly SetAsideHost[],
): Plan {
  // fromEntries defines own properties, so even a workload named "__proto__" is kept.
  const placed = Object.fromEntries(Array.from(target, (h, w) => [fleet.workloadIds[w], fleet.hostIds[h]]));
  // Every workload in input order; the set-aside pinned ones stay on their host.
  const placement = Object.fromEntries(input.workloads.map((w) => [w.id, placed[w.id] ?? w.host]));
  const memOf = new Map(fleet.workloadIds.map((id, w) => [id, at(fleet.mem, w)]));
  const bytes = moves.reduce((sum, m) => sum + (memOf.get(m.workload) ?? 0) * BYTES_PER_MB, 0);
  const plan: Plan = {
    placement,
    moves,
    figures: {
      hostsBefore: new Set(input.workloads.map((w) => w.host)).size,
      hostsAfter: new Set(Object.values(placement)).size,
      // The set-aside hosts keep their pinned workloads in any plan.
      lowerBound: lowerBound + aside.length,
      migrations: moves.length,
      bytesToMove: Math.round(bytes),
    },
  };
  if (aside.length > 0) plan.warnings = aside.map(setAsideWarning);
  return plan;
}
