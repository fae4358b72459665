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
  // The bench's heavy-tailed fleets on identical hosts, which the host-count search alone left
  // 2-3 hosts above the bound: the local search (empty-hosts.ts, swap-room.ts) brings them within 1 %.
  ["heavy-tailed, identical hosts (bench 1000w)", { seed: 15, workloads: 1000, hosts: 100, profile: "heavy-tailed" }],
  ["heavy-tailed, identical hosts (bench 3000w)", { seed: 25, workloads: 3000, hosts: 300, profile: "heavy-tailed" }],
];

describe("the local search on fleets where first-fit decreasing is above the lower bound", () => {
  it.each([
    ["heavy-tailed 1000w", { seed: 15, workloads: 1000, hosts: 100, profile: "heavy-tailed" } as FleetSpec],
    ["heavy-tailed 3000w", { seed: 25, workloads: 3000, hosts: 300, profile: "heavy-tailed" } as FleetSpec],
  ])("uses strictly fewer hosts than FFD on %s", (_name, spec) => {
    const input = generateFleet(spec);
    const plan = planConsolidation(input);
    const ffd = evaluateBaselines(input, plan.figures.hostsAfter).firstFit?.hostsUsed ?? 0;
    expect(ffd).toBeGreaterThan(plan.figures.lowerBound);
    expect(plan.figures.hostsAfter).toBeLessThan(ffd);
  });
});

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

describe("the bench's 100-workload fleets whose demand fills 5 identical hosts almost exactly", () => {
  // Greedy placement and the local search stop at 6 hosts; the swap search (rebalance-overload.ts)
  // finds the near-perfect partition onto 5.
  it.each([
    ["uniform", { seed: 1, workloads: 100, hosts: 10, profile: "uniform" } as FleetSpec],
    ["bimodal", { seed: 3, workloads: 100, hosts: 10, profile: "bimodal" } as FleetSpec],
    ["cpu-bound", { seed: 9, workloads: 100, hosts: 10, profile: "cpu-bound" } as FleetSpec],
  ])("%s: the plan reaches the lower bound and stays valid", (_name, spec) => {
    const input = generateFleet(spec);
    const plan = planConsolidation(input);
    expect(checkPlan(input, plan)).toEqual([]);
    expect(plan.figures.lowerBound).toBe(5);
    expect(plan.figures.hostsAfter).toBe(5);
  });

  it("memory-bound: whole-MB demand 1 MB over what 5 hosts hold in whole MB (2 MB under their usable 5 × 235,929.6) proves 6", () => {
    const input = generateFleet({ seed: 7, workloads: 100, hosts: 10, profile: "memory-bound" });
    const plan = planConsolidation(input);
    expect(plan.figures.lowerBound).toBe(6);
    expect(plan.figures.hostsAfter).toBe(6);
  });
});

describe("migrations on the bench's 100-workload fleets", () => {
  // Reaching the lower bound there took the swap search, which left workloads that could have
  // stayed (52 moves against a minimum of 42 on the uniform fleet); the migration passes
  // (reduce-migrations.ts, exchange-kept-host.ts) bring every one within 20 % of the minimum.
  const BENCH_100: [string, FleetSpec][] = PROFILES.flatMap((profile, i): [string, FleetSpec][] => [
    [`${profile}, plain`, { seed: 2 * i + 1, workloads: 100, hosts: 10, profile }],
    [`${profile}, constrained`, { seed: 2 * i + 2, workloads: 100, hosts: 10, profile, ...CONSTRAINED }],
  ]);
  it.each(BENCH_100)("%s: at the lower bound, within a fifth of the fewest migrations", (_name, spec) => {
    const input = generateFleet(spec);
    const plan = planConsolidation(input);
    expect(checkPlan(input, plan)).toEqual([]);
    expect(plan.figures.hostsAfter).toBe(plan.figures.lowerBound);
    expect(plan.figures.migrations).toBeLessThanOrEqual(
      1.2 * evaluateBaselines(input, plan.figures.hostsAfter).minMigrations,
    );
  });

  it("uniform: the fewest migrations any 5-host plan needs, where the swap search alone moved 52", () => {
    const input = generateFleet({ seed: 1, workloads: 100, hosts: 10, profile: "uniform" });
    const plan = planConsolidation(input);
    expect(plan.figures.hostsAfter).toBe(5);
    expect(plan.figures.migrations).toBe(evaluateBaselines(input, 5).minMigrations);
  });
});

describe("where the minimum-migration estimate is loose", () => {
  // The estimate is a Lagrangian bound; on the bench's 100-workload cpu-bound fleet with mixed
  // host sizes it says 57, yet no 4-host plan can move fewer than 62: this checks every set.
  it("cpu-bound, constrained: the plan's moves are the fewest any plan on as many hosts can make", () => {
    const input = generateFleet({ seed: 10, workloads: 100, hosts: 10, profile: "cpu-bound", ...CONSTRAINED });
    const plan = planConsolidation(input);
    const k = plan.figures.hostsAfter;
    const usable = input.hosts.filter((h) => !h.maintenance);
    const pinnedOn = new Set(input.workloads.filter((w) => w.pinned).map((w) => w.host));
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const needCpu = sum(input.workloads.map((w) => w.cpu));
    const needMem = sum(input.workloads.map((w) => w.memoryMb));
    let fewest = Number.POSITIVE_INFINITY;
    for (let mask = 0; mask < 1 << usable.length; mask++) {
      const kept = usable.filter((_, i) => (mask >> i) & 1);
      if (kept.length !== k || [...pinnedOn].some((id) => !kept.some((h) => h.id === id))) continue;
      const holds =
        sum(kept.map((h) => h.cpu * input.policy.cpuHeadroom)) >= needCpu &&
        sum(kept.map((h) => h.memoryMb * input.policy.memoryHeadroom)) >= needMem;
      if (!holds) continue;
      // Every workload off the kept hosts moves, whatever else the plan does.
      const ids = new Set(kept.map((h) => h.id));
      fewest = Math.min(fewest, input.workloads.filter((w) => !ids.has(w.host)).length);
    }
    expect(plan.figures.migrations).toBe(fewest);
    expect(evaluateBaselines(input, k).minMigrations).toBeLessThan(fewest);
  });
});

describe("mixed host sizes where no single kept host can go", () => {
  // The bench's 1000w heavy-tailed constrained fleet: the 40 kept hosts minus any unpinned one
  // lack cpu, but two small ones traded for one unused larger host reach the bound of 39.
  it("trades two small kept hosts for one larger unused host and reaches the bound", () => {
    const input = generateFleet({ seed: 16, workloads: 1000, hosts: 100, profile: "heavy-tailed", ...CONSTRAINED });
    const plan = planConsolidation(input);
    expect(checkPlan(input, plan)).toEqual([]);
    expect(plan.figures.lowerBound).toBe(39);
    expect(plan.figures.hostsAfter).toBe(39);
  });
});
