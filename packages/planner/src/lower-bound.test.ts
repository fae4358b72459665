// The lower bound on hosts: each of its parts on a fleet where that part decides.
import { describe, expect, it } from "vitest";
import { buildFleet } from "./fleet.js";
import { computeLowerBound } from "./lower-bound.js";
import { parsePlanInput } from "./plan-consolidation.js";

function boundOf(
  hosts: [cpu: number, maintenance?: boolean][],
  workloads: [cpu: number, extra?: object][],
  cpuHeadroom = 1,
): number {
  const input = parsePlanInput({
    hosts: hosts.map(([cpu, maintenance = false], i) => ({ id: `h${i}`, cpu, memoryMb: 1e6, maintenance })),
    workloads: workloads.map(([cpu, extra], i) => ({
      id: `w${i}`,
      kind: "vm",
      host: "h0",
      cpu,
      memoryMb: 1,
      ...extra,
    })),
    policy: { cpuHeadroom, memoryHeadroom: 1 },
  });
  return computeLowerBound(buildFleet(input));
}

describe("computeLowerBound", () => {
  it("is zero without workloads and one with any", () => {
    expect(boundOf([[10]], [])).toBe(0);
    expect(boundOf([[10]], [[0]])).toBe(1);
  });

  it("counts the largest usable hosts needed to cover the demand, skipping maintenance", () => {
    expect(boundOf([[10], [10], [10], [10]], [[9], [9], [7]])).toBe(3);
    // 40 cores of demand: the 32-core host is in maintenance, so 16 + 16 + 8 is the best cover.
    const fives: [number][] = Array.from({ length: 8 }, () => [5]);
    expect(boundOf([[8], [32, true], [16], [16], [8]], fives)).toBe(3);
  });

  it("always counts the hosts that hold pinned workloads", () => {
    // Two small hosts are pinned; the demand still needs one large host on top.
    const hosts: [number][] = [[4], [4], [40]];
    const pinned = { pinned: true };
    expect(boundOf(hosts, [[1, pinned], [1, { ...pinned, host: "h1" }], [20]])).toBe(3);
  });

  it("sees that workloads above half a host cannot share (Martello-Toth L2)", () => {
    // 28 cores fit three hosts of 10 by volume, but no 6 pairs with anything but a 4 or less.
    expect(boundOf([[10], [10], [10], [10], [10]], [[6], [6], [6], [5], [5]])).toBe(4);
    expect(boundOf([[10], [10], [10], [10]], [[6], [6], [6], [4], [4], [4]])).toBe(3);
  });

  it("counts one host per member of the largest anti-affinity group", () => {
    const db = { antiAffinity: "db" };
    expect(boundOf([[10], [10], [10], [10], [10]], [[1, db], [1, db], [1, db], [1, db], [1]])).toBe(4);
  });

  it("rounds a host's usable capacity down to the grain every demand is a multiple of", () => {
    // Two hosts of 10.8 usable cores hold 21.6 by volume, but whole-core workloads fill at
    // most 10 each: 21 cores need a third host (and 5 + 6 > 10.8 indeed).
    expect(boundOf([[12], [12], [12]], [[5], [5], [5], [6]], 0.9)).toBe(3);
    // The same with hundredths of a core: 25.6 usable holds 25.60 at most, so 51.21 needs 3.
    expect(boundOf([[32], [32], [32]], [[25.6], [25.6], [0.01]], 0.8)).toBe(3);
    // A demand off the grain turns the rounding off: 10.5 + 10.5 fit two hosts of 10.8.
    expect(boundOf([[12], [12], [12]], [[10.5], [10.5]], 0.9)).toBe(2);
  });
});
