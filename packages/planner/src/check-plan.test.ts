// The oracle the property tests rely on must itself catch every kind of broken plan.
import { describe, expect, it } from "vitest";
import { checkPlan } from "./check-plan.js";
import { parsePlanInput, planConsolidation } from "./plan-consolidation.js";
import type { Plan } from "./schema.js";

const input = parsePlanInput({
  hosts: [
    { id: "a", cpu: 10, memoryMb: 10000 },
    { id: "b", cpu: 10, memoryMb: 10000 },
    { id: "c", cpu: 10, memoryMb: 10000 },
    { id: "off", cpu: 10, memoryMb: 10000, maintenance: true },
  ],
  workloads: [
    { id: "p", kind: "vm", host: "a", cpu: 2, memoryMb: 1000, pinned: true },
    { id: "g1", kind: "vm", host: "a", cpu: 2, memoryMb: 1000, antiAffinity: "g" },
    { id: "g2", kind: "vm", host: "b", cpu: 2, memoryMb: 1000, antiAffinity: "g" },
    { id: "m", kind: "container", host: "off", cpu: 3, memoryMb: 1000 },
    { id: "big", kind: "vm", host: "c", cpu: 5, memoryMb: 1000 },
  ],
  policy: { cpuHeadroom: 0.9, memoryHeadroom: 0.9 },
});

const valid = planConsolidation(input);

function mutated(change: (plan: Plan) => void): string[] {
  const plan = structuredClone(valid);
  change(plan);
  return checkPlan(input, plan);
}

describe("checkPlan", () => {
  it("accepts the planner's plan", () => {
    expect(checkPlan(input, valid)).toEqual([]);
  });

  it.each<[string, (plan: Plan) => void, RegExp]>([
    ["an unplaced workload", (p) => delete p.placement.m, /workload m is not placed/],
    ["a moved pinned workload", (p) => Object.assign(p.placement, { p: "b" }), /pinned workload p moves from a to b/],
    ["a workload left in maintenance", (p) => Object.assign(p.placement, { m: "off" }), /ends on maintenance host off/],
    [
      "a broken anti-affinity group",
      (p) => Object.assign(p.placement, { g1: "b", g2: "b" }),
      /g1 and g2 \(group g\) share host b/,
    ],
    [
      "a host above usable capacity",
      (p) => Object.assign(p.placement, { big: "a", m: "a", g1: "a" }),
      /host a ends above its usable capacity/,
    ],
    ["moves that do not reach the placement", (p) => p.moves.pop(), /not on its placement/],
    ["a move from the wrong host", (p) => Object.assign(p.moves[0] ?? {}, { from: "c" }), /is not on c/],
    ["a wrong figure", (p) => Object.assign(p.figures, { hostsAfter: 7 }), /hostsAfter is 7/],
  ])("reports %s", (_name, change, problem) => {
    expect(mutated(change).join("\n")).toMatch(problem);
  });

  it("reports moves of one step that together overfill a host's full capacity", () => {
    const plan: Plan = {
      placement: { p: "a", g1: "a", g2: "b", m: "c", big: "b" },
      moves: [
        { workload: "m", from: "off", to: "c", step: 1, reason: "host off in maintenance" },
        { workload: "big", from: "c", to: "b", step: 1, reason: "test" },
      ],
      figures: { hostsBefore: 4, hostsAfter: 3, lowerBound: 1, migrations: 2, bytesToMove: 0 },
    };
    // c holds big (5) while m (3) arrives: 8 of 10, fine. b holds g2 (2) while big arrives: fine.
    expect(checkPlan(input, plan)).toEqual([]);
    plan.placement.m = "b";
    plan.moves[0] = { workload: "m", from: "off", to: "b", step: 1, reason: "host off in maintenance" };
    // b now receives big (5) and m (3) at once on top of g2 (2): 10 of 10 is still allowed...
    expect(checkPlan(input, plan).join("\n")).not.toMatch(/full capacity/);
    plan.placement.g1 = "b";
    plan.moves.push({ workload: "g1", from: "a", to: "b", step: 1, reason: "test" });
    // ...but a third arrival (2 more) takes it to 12.
    expect(checkPlan(input, plan).join("\n")).toMatch(/step 1: host b exceeds its full capacity while moves arrive/);
  });
});
