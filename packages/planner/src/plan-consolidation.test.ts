// The planner's contract on hand-made fleets: the README example, the reasons operators
// read, and an error naming the cause for every kind of input no plan can satisfy.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkPlan } from "./check-plan.js";
import { parsePlanInput, planConsolidation } from "./plan-consolidation.js";
import { PlanError } from "./plan-error.js";
import type { PlanInputJson } from "./schema.js";

type HostJson = PlanInputJson["hosts"][number];
type WorkloadJson = PlanInputJson["workloads"][number];

const host = (id: string, cpu = 32, memoryMb = 131072, maintenance = false): HostJson => ({
  id,
  cpu,
  memoryMb,
  maintenance,
});
const vm = (id: string, on: string, cpu: number, memoryMb = 4096, extra: Partial<WorkloadJson> = {}): WorkloadJson => ({
  id,
  kind: "vm",
  host: on,
  cpu,
  memoryMb,
  ...extra,
});
const policy = { cpuHeadroom: 0.8, memoryHeadroom: 0.9 };

function planOf(hosts: HostJson[], workloads: WorkloadJson[], p = policy) {
  const input = { hosts, workloads, policy: p };
  const plan = planConsolidation(input);
  expect(checkPlan(parsePlanInput(input), plan)).toEqual([]);
  return plan;
}

function errorOf(input: unknown): PlanError {
  try {
    planConsolidation(input);
  } catch (error) {
    if (error instanceof PlanError) return error;
    throw error;
  }
  throw new Error("expected a PlanError");
}

describe("planConsolidation", () => {
  it("produces exactly the plan the README documents for its example", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const [input, output] = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1] as string));
    expect(planConsolidation(input)).toEqual(output);
  });

  it("empties the least-populated hosts and leaves the rest where they are", () => {
    const plan = planOf(
      [host("busy"), host("quiet"), host("idle")],
      [vm("a", "busy", 4), vm("b", "busy", 4), vm("c", "busy", 4), vm("d", "quiet", 4)],
    );
    expect(plan.moves).toEqual([
      { workload: "d", from: "quiet", to: "busy", step: 1, reason: "empties host quiet (1 workload)" },
    ]);
    expect(plan.figures).toEqual({
      hostsBefore: 2,
      hostsAfter: 1,
      lowerBound: 1,
      migrations: 1,
      bytesToMove: 4096 * 2 ** 20,
    });
  });

  it("keeps a host with a pinned workload even when emptying it would be cheaper", () => {
    const plan = planOf(
      [host("big"), host("small")],
      [vm("a", "big", 4), vm("b", "big", 4), vm("p", "small", 2, 4096, { pinned: true })],
    );
    expect(plan.placement).toEqual({ a: "small", b: "small", p: "small" });
  });

  it("moves a group member off a shared host, and sheds load above usable capacity", () => {
    const plan = planOf(
      [host("h1", 10), host("h2", 10)],
      [
        vm("x", "h1", 3, 1024, { antiAffinity: "db" }),
        vm("y", "h1", 2, 1024, { antiAffinity: "db" }),
        vm("z", "h2", 7),
      ],
      { cpuHeadroom: 1, memoryHeadroom: 1 },
    );
    expect(plan.moves).toEqual([{ workload: "y", from: "h1", to: "h2", step: 1, reason: "anti-affinity with x" }]);
    const shed = planOf([host("h1", 10), host("h2", 10)], [vm("a", "h1", 6), vm("b", "h1", 3), vm("c", "h2", 5)]);
    expect(shed.moves.map((m) => m.reason)).toEqual(["host h1 over its usable capacity (9 of 8 cores)"]);
  });

  it("moves nothing in a fleet that is already packed, and handles an empty fleet", () => {
    expect(planOf([host("h1"), host("h2")], [vm("a", "h1", 20), vm("b", "h2", 20)]).moves).toEqual([]);
    expect(planOf([host("h1")], [])).toEqual({
      placement: {},
      moves: [],
      figures: { hostsBefore: 0, hostsAfter: 0, lowerBound: 0, migrations: 0, bytesToMove: 0 },
    });
  });

  it("keeps workload ids that are also object property names", () => {
    const plan = planOf([host("h1"), host("h2")], [vm("__proto__", "h2", 1), vm("constructor", "h1", 1)]);
    expect(Object.keys(plan.placement).sort()).toEqual(["__proto__", "constructor"]);
  });

  it("goes through a temporary hop when two full hosts must trade workloads", () => {
    // x and x2 share group g on h1; x2 must leave, h2 is full and must make room for it.
    const full = { cpuHeadroom: 1, memoryHeadroom: 1 };
    const hosts = [host("h1", 10), host("h2", 10), host("spare", 10)];
    const workloads = [
      vm("x", "h1", 5, 1024, { antiAffinity: "g" }),
      vm("x2", "h1", 4, 1024, { antiAffinity: "g" }),
      vm("y", "h2", 6),
      vm("z", "h2", 3),
    ];
    const plan = planOf(hosts, workloads, full);
    expect(plan.figures.hostsAfter).toBe(2);
    expect(plan.moves.some((m) => m.to === "spare" && m.reason.startsWith("temporary hop"))).toBe(true);
    const stuck = errorOf({ hosts: hosts.slice(0, 2), workloads, policy: full });
    expect(stuck.code).toBe("moves_unschedulable");
  });
});

describe("planConsolidation errors", () => {
  const cases: [string, unknown, string, RegExp][] = [
    ["a missing policy", { hosts: [], workloads: [] }, "invalid_input", /^invalid planner input: policy: /],
    [
      "a headroom above 1",
      { hosts: [host("h1")], workloads: [], policy: { cpuHeadroom: 1.5, memoryHeadroom: 0.9 } },
      "invalid_input",
      /policy\.cpuHeadroom/,
    ],
    [
      "a negative demand",
      { hosts: [host("h1")], workloads: [vm("w1", "h1", -1)], policy },
      "invalid_input",
      /workloads\[0\]\.cpu/,
    ],
    [
      "a duplicate host",
      { hosts: [host("h1"), host("h1")], workloads: [], policy },
      "invalid_input",
      /^duplicate host id h1$/,
    ],
    [
      "a duplicate workload",
      { hosts: [host("h1")], workloads: [vm("w", "h1", 1), vm("w", "h1", 1)], policy },
      "invalid_input",
      /^duplicate workload id w$/,
    ],
    [
      "an unknown host",
      { hosts: [host("h1")], workloads: [vm("w3", "h9", 1)], policy },
      "invalid_input",
      /^workload w3 is on unknown host h9$/,
    ],
    [
      "a workload larger than any host",
      { hosts: [host("h1", 12), host("h2", 8)], workloads: [vm("w3", "h1", 12)], policy },
      "workload_too_large",
      /^workload w3 needs 12 cores but the largest usable host has 9\.6$/,
    ],
    [
      "too much memory",
      { hosts: [host("h1", 64, 1000)], workloads: [vm("w1", "h1", 1, 950)], policy },
      "workload_too_large",
      /needs 950 MB of memory but the largest usable host has 900 MB/,
    ],
    [
      "cpu and memory on different hosts",
      { hosts: [host("cpu", 64, 1000), host("mem", 4, 100000)], workloads: [vm("w1", "cpu", 10, 10000)], policy },
      "workload_too_large",
      /needs 10 cores and 10000 MB together/,
    ],
    [
      "too little capacity overall",
      {
        hosts: [host("h1", 10), host("h2", 10)],
        workloads: [vm("a", "h1", 7), vm("b", "h1", 7), vm("c", "h2", 7)],
        policy,
      },
      "insufficient_capacity",
      /^the workloads need 21 cores but the 2 usable hosts offer 16 after headroom$/,
    ],
    [
      "large workloads that cannot share",
      {
        hosts: [host("h1", 10), host("h2", 10)],
        workloads: [vm("a", "h1", 4.5), vm("b", "h1", 4.5), vm("c", "h2", 4.5)],
        policy,
      },
      "insufficient_capacity",
      /^the workloads need at least 3 hosts but only 2 are usable$/,
    ],
    [
      "every host in maintenance",
      { hosts: [host("h1", 8, 8192, true)], workloads: [vm("a", "h1", 1)], policy },
      "insufficient_capacity",
      /^no usable hosts: all 1 hosts are in maintenance$/,
    ],
    [
      "a group larger than the usable hosts",
      {
        hosts: ["h1", "h2", "h3", "h4"].map((id) => host(id)).concat(host("h5", 32, 131072, true)),
        workloads: [1, 2, 3, 4, 5].map((i) => vm(`d${i}`, "h1", 1, 1024, { antiAffinity: "db" })),
        policy,
      },
      "anti_affinity_unsatisfiable",
      /^anti-affinity group db has 5 members but only 4 hosts are usable$/,
    ],
    [
      "a pinned workload on a maintenance host",
      {
        hosts: [host("h1"), host("h2", 32, 131072, true)],
        workloads: [vm("w1", "h2", 1, 1024, { pinned: true })],
        policy,
      },
      "pinned_on_maintenance",
      /^pinned workload w1 is on maintenance host h2$/,
    ],
    [
      "two pinned group members on one host",
      {
        hosts: [host("h3"), host("h4")],
        workloads: [
          vm("w1", "h3", 1, 1024, { pinned: true, antiAffinity: "db" }),
          vm("w2", "h3", 1, 1024, { pinned: true, antiAffinity: "db" }),
        ],
        policy,
      },
      "pinned_anti_affinity_conflict",
      /^pinned workloads w1 and w2 share host h3 but are both in anti-affinity group db$/,
    ],
  ];

  it.each(cases)("rejects %s with a message naming the cause", (_name, input, code, message) => {
    const error = errorOf(input);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });
});

describe("hosts already over capacity with pinned workloads alone", () => {
  // The demo fleet's case: sim-013 ran 17.68 cores of pinned work on 12.8 usable before any plan.
  const hosts = [host("h1", 16), host("h2", 32), host("h3", 32), host("h4", 32)];
  const workloads = [
    vm("p1", "h1", 9, 1024, { pinned: true }),
    vm("p2", "h1", 8.68, 1024, { pinned: true, antiAffinity: "db" }),
    vm("m1", "h1", 2, 2048, { antiAffinity: "db" }),
    vm("a", "h2", 4),
    vm("b", "h3", 4),
    vm("c", "h4", 4),
  ];

  it("plans the rest with a warning instead of failing, and never adds to that host", () => {
    const plan = planOf(hosts, workloads);
    expect(plan.warnings).toEqual([
      "host h1 is already over its usable capacity with pinned workloads alone (17.68 of 12.8 usable cores): it is left out of packing, its pinned workloads stay and nothing moves onto it",
    ]);
    expect(plan.placement.p1).toBe("h1");
    expect(plan.placement.p2).toBe("h1");
    // Its movable workload leaves (the overload only shrinks), with the reason named.
    expect(plan.placement.m1).not.toBe("h1");
    expect(plan.moves.find((m) => m.workload === "m1")?.reason).toBe(
      "host h1 over its usable capacity with pinned workloads (17.68 of 12.8 usable cores)",
    );
    expect(plan.moves.every((m) => m.to !== "h1")).toBe(true);
    // The other three hosts consolidate as usual: their 14 cores fit on one.
    expect(plan.figures).toMatchObject({ hostsBefore: 4, hostsAfter: 2, lowerBound: 2 });
  });

  it("still names a pinned workload on a maintenance host as an error", () => {
    const input = {
      hosts: [host("h1", 8, 8192, true), host("h2")],
      workloads: [vm("p", "h1", 9, 1024, { pinned: true })],
      policy,
    };
    expect(errorOf(input).code).toBe("pinned_on_maintenance");
  });

  it("flags, in checkPlan, a plan that moves onto such a host", () => {
    const input = parsePlanInput({ hosts, workloads, policy });
    const plan = planConsolidation(input);
    const bad = { ...plan, placement: { ...plan.placement, a: "h1" }, moves: [...plan.moves] };
    expect(checkPlan(input, bad).join("; ")).toMatch(
      /workload a ends on h1, which is over capacity with pinned workloads alone/,
    );
  });
});
