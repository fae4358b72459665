// Searches for the fewest hosts the workloads can end on: for a host count k it keeps the k
// hosts that let the most workloads stay, and repacks only the workloads that must move.
import type { StayAnalysis } from "./analyse-stays.js";
import { emptyMoreHosts } from "./empty-hosts.js";
import { type Fleet, usableHosts } from "./fleet.js";
import { chooseKeptHosts, type KeepProblem, makeKeepProblem } from "./keep-hosts.js";
import type { Packing } from "./packing.js";
import { PlanError } from "./plan-error.js";
import { repack } from "./repack.js";

export interface Placement {
  readonly packing: Packing;
  /** Why each moving workload moves. */
  readonly reasons: Map<number, string>;
}

export function findPlacement(fleet: Fleet, stays: StayAnalysis, lowerBound: number): Placement {
  const candidates = usableHosts(fleet);
  const problem = makeKeepProblem(fleet, stays.stayable);
  const maxK = candidates.length;
  const attempt = (k: number) => tryHostCount(fleet, stays, problem, k);
  // Gallop up from the lower bound (usually within a host or two), then bisect the gap.
  let failedBelow = Math.max(lowerBound, problem.forced.length, 1) - 1;
  let k = Math.min(failedBelow + 1, maxK);
  let stride = 1;
  let found = attempt(k);
  while (found === null) {
    if (k >= maxK) throw noPlacement(fleet, maxK, stays, candidates);
    failedBelow = k;
    k = Math.min(maxK, k + stride);
    stride *= 2;
    found = attempt(k);
  }
  let lo = failedBelow + 1;
  let hi = k - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const better = attempt(mid);
    if (better === null) lo = mid + 1;
    else [found, hi] = [better, mid - 1];
  }
  return emptyMoreHosts(fleet, found, lowerBound, problem.forced);
}

/**
 * Margins of spare capacity to ask of the kept hosts, cheapest in migrations first; the last
 * cannot be met, so it takes the largest hosts.
 */
const MARGINS = [0, 0.01, 0.03, 0.06, 0.1, 0.2, Number.POSITIVE_INFINITY];

function tryHostCount(fleet: Fleet, stays: StayAnalysis, problem: KeepProblem, k: number): Placement | null {
  const tried = new Set<string>();
  for (const margin of MARGINS) {
    const kept = chooseKeptHosts(problem, k, margin);
    const key = [...kept].sort((a, b) => a - b).join(",");
    if (tried.has(key)) continue;
    tried.add(key);
    const result = repack(fleet, stays, kept);
    if (result.ok) return { packing: result.packing, reasons: result.reasons };
  }
  return null;
}

function noPlacement(fleet: Fleet, hosts: number, stays: StayAnalysis, candidates: readonly number[]): PlanError {
  const result = repack(fleet, stays, candidates);
  const w = result.ok ? -1 : result.workload;
  const what = w < 0 ? "" : `: workload ${fleet.workloadIds[w]} fits on none of them beside the others`;
  return new PlanError("no_placement_found", `no placement found even using all ${hosts} usable hosts${what}`);
}
