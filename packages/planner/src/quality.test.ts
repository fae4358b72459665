// Plan quality on benchmark-like fleets with fixed seeds: fewer hosts than first-fit
// decreasing, close to the lower bound, and close to the fewest migrations possible.
import { describe, expect, it } from "vitest";
import { checkPlan } from "./check-plan.js";
import { evaluateBaselines } from "./evaluate-baselines.js";
import { type DemandProfile, type FleetSpec, generateFleet } from "./generate-fleet.js";
import { planConsolidation } from "./plan-consolidation.js";

const CONSTRAINED = { mixedHostSizes: true, antiAffinityShare: 0.1, pinnedShare: 0.02, maintenanceShare: 0.03 };
const PROFILES: DemandProfile[] = ["uniform", "bimodal", "heavy-tailed", "memory-bound", "cpu-bound"];

const FLEETS: [string, FleetSpec][] = [
  ...PROFILES.flatMap((profile, i): [string, FleetSpec][] => [
    [`${profile}, plain`, { seed: 100 + i, workloads: 1000, hosts: 100, profile }],
    [`${profile}, constrained`, { seed: 200 + i, workloads: 1000, hosts: 100, profile, ...CONSTRAINED }],
  ]),
  [
    "uniform, 3000 workloads, constrained",
    { seed: 300, workloads: 3000, hosts: 300, profile: "uniform", ...CONSTRAINED },
  ],
  ["memory-bound, 3000 workloads", { seed: 301, workloads: 3000, hosts: 300, profile: "memory-bound" }],
];

describe("plan quality on generated fleets", () => {
  it.each(FLEETS)("%s", (_name, spec) => {
    const input = generateFleet(spec);
    const plan = planConsolidation(input);
    expect(checkPlan(input, plan)).toEqual([]);
    const { hostsAfter, lowerBound, migrations } = plan.figures;
    const baselines = evaluateBaselines(input, hostsAfter);
    expect(baselines.firstFit).not.toBeNull();
    expect(hostsAfter).toBeLessThanOrEqual(baselines.firstFit?.hostsUsed ?? 0);
    expect(hostsAfter).toBeLessThan(plan.figures.hostsBefore);
    expect(hostsAfter).toBeLessThanOrEqual(Math.ceil(lowerBound * 1.01));
    expect(migrations).toBeLessThanOrEqual(1.2 * baselines.minMigrations);
    expect(migrations).toBeLessThan(baselines.firstFit?.migrations ?? 0);
  });
});
