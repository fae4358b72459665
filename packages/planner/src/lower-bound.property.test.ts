// The lower bound is a bound: on tiny random fleets, an exhaustive search over every placement
// finds the true fewest hosts, and neither it nor the planner's plan ever goes below the bound.
// Demands are whole units or hundredths and headroom makes capacities fractional, so the
// grain rounding of the bound is exercised where it matters.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { at, buildFleet, EPSILON, type Fleet } from "./fleet.js";
import { computeLowerBound } from "./lower-bound.js";
import { parsePlanInput, planConsolidation } from "./plan-consolidation.js";
import { PlanError } from "./plan-error.js";

const tinyFleetArb = fc
  .record({
    hosts: fc.array(fc.record({ cpu: fc.integer({ min: 4, max: 12 }), mem: fc.integer({ min: 4, max: 12 }) }), {
      minLength: 1,
      maxLength: 4,
    }),
    workloads: fc.array(
      fc.record({
        cpu: fc.integer({ min: 0, max: 900 }),
        mem: fc.integer({ min: 0, max: 9 }),
        home: fc.nat(),
        group: fc.option(fc.constantFrom("a", "b"), { freq: 3 }),
        pinned: fc.boolean(),
      }),
      { minLength: 1, maxLength: 7 },
    ),
    cents: fc.boolean(),
    headroom: fc.constantFrom(0.7, 0.85, 0.9, 1),
  })
  .map(({ hosts, workloads, cents, headroom }) =>
    parsePlanInput({
      hosts: hosts.map((h, i) => ({ id: `h${i}`, cpu: h.cpu, memoryMb: h.mem, maintenance: false })),
      workloads: workloads.map((w, i) => ({
        id: `w${i}`,
        kind: "vm",
        host: `h${w.home % hosts.length}`,
        // Hundredths of a core, or whole cores.
        cpu: cents ? w.cpu / 100 : Math.round(w.cpu / 100),
        memoryMb: w.mem,
        antiAffinity: w.group,
        pinned: w.pinned && i % 3 === 0,
      })),
      policy: { cpuHeadroom: headroom, memoryHeadroom: headroom },
    }),
  );

/** The fewest hosts of any valid placement, by trying them all; null when none is valid. */
function bruteForceOptimum(fleet: Fleet): number | null {
  const host = new Int32Array(fleet.workloadCount);
  const cpu = new Float64Array(fleet.hostCount);
  const mem = new Float64Array(fleet.hostCount);
  let best: number | null = null;
  const place = (w: number): void => {
    if (w === fleet.workloadCount) {
      const used = new Set(host).size;
      if (best === null || used < best) best = used;
      return;
    }
    const choices = fleet.pinned[w] ? [at(fleet.home, w)] : Array.from({ length: fleet.hostCount }, (_, h) => h);
    for (const h of choices) {
      if (at(cpu, h) + at(fleet.cpu, w) > at(fleet.usableCpu, h) + EPSILON) continue;
      if (at(mem, h) + at(fleet.mem, w) > at(fleet.usableMem, h) + EPSILON) continue;
      const g = at(fleet.group, w);
      let clash = false;
      for (let v = 0; v < w; v++) if (g >= 0 && at(fleet.group, v) === g && at(host, v) === h) clash = true;
      if (clash) continue;
      host[w] = h;
      cpu[h] = at(cpu, h) + at(fleet.cpu, w);
      mem[h] = at(mem, h) + at(fleet.mem, w);
      place(w + 1);
      cpu[h] = at(cpu, h) - at(fleet.cpu, w);
      mem[h] = at(mem, h) - at(fleet.mem, w);
    }
  };
  place(0);
  return best;
}

describe("computeLowerBound against an exhaustive search", () => {
  it("never exceeds the fewest hosts of any valid placement, nor the planner's plan", () => {
    let tight = 0;
    fc.assert(
      fc.property(tinyFleetArb, (input) => {
        const fleet = buildFleet(input);
        const bound = computeLowerBound(fleet);
        const optimum = bruteForceOptimum(fleet);
        if (optimum === null) return;
        expect(bound).toBeLessThanOrEqual(optimum);
        if (bound === optimum) tight++;
        try {
          expect(planConsolidation(input).figures.hostsAfter).toBeGreaterThanOrEqual(bound);
        } catch (error) {
          // Pinned workloads already over a host's capacity or moves that cannot be ordered.
          if (!(error instanceof PlanError)) throw error;
        }
      }),
      { numRuns: 600, seed: 20_261_129 },
    );
    // The generator is not degenerate: most fleets have the bound at the optimum.
    expect(tight).toBeGreaterThan(100);
  });
});
