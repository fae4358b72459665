// The yardsticks a reviewer (or the benchmark) puts beside a plan's figures.
import { estimateMinMigrations, firstFitDecreasing } from "./baselines.js";
import { buildFleet } from "./fleet.js";
import { computeLowerBound } from "./lower-bound.js";
import type { PlanInput } from "./schema.js";

export interface Baselines {
  /** Hosts no valid plan can go below (the same bound as the plan's figures). */
  readonly lowerBound: number;
  /** First-fit decreasing from scratch; null when it fails to place every workload. */
  readonly firstFit: { readonly hostsUsed: number; readonly migrations: number } | null;
  /** Fewest migrations any plan ending on `hostsAfter` hosts needs (a lower bound). */
  readonly minMigrations: number;
}

export function evaluateBaselines(input: PlanInput, hostsAfter: number): Baselines {
  const fleet = buildFleet(input);
  const ffd = firstFitDecreasing(fleet);
  return {
    lowerBound: computeLowerBound(fleet),
    firstFit: ffd && { hostsUsed: ffd.hostsUsed, migrations: ffd.migrations },
    minMigrations: estimateMinMigrations(fleet, hostsAfter),
  };
}
