// The move scheduler on its own: random pairs of tight current and target placements, and
// the hand-made cases (a swap between two full hosts) where moves wait on each other.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkMoveOrder } from "./check-plan.js";
import { buildFleet } from "./fleet.js";
import { PlanError } from "./plan-error.js";
import { scheduleMoves } from "./schedule-moves.js";
import type { Move, PlanInput } from "./schema.js";
import { placementPairArb } from "./test-fleets.js";

function schedule(input: PlanInput, target: Record<string, string>): Move[] {
  const fleet = buildFleet(input);
  const hostOf = Int32Array.from(input.workloads, (w) => fleet.hostIds.indexOf(target[w.id] as string));
  return scheduleMoves(fleet, hostOf, new Map());
}

/** Brute force, independent of the scheduler: can the moves run one at a time in some order? */
function directOrderExists(input: PlanInput, target: Record<string, string>): boolean {
  const moving = input.workloads.filter((w) => target[w.id] !== w.host);
  const hosts = new Map(input.hosts.map((h) => [h.id, h]));
  const seen = new Set<number>();
  const stack = [0];
  while (stack.length > 0) {
    const done = stack.pop() as number;
    if (done === 2 ** moving.length - 1) return true;
    if (seen.has(done)) continue;
    seen.add(done);
    const load = new Map<string, [number, number]>();
    for (const w of input.workloads) {
      const i = moving.indexOf(w);
      const where = i >= 0 && (done >> i) & 1 ? (target[w.id] as string) : w.host;
      const [c, m] = load.get(where) ?? [0, 0];
      load.set(where, [c + w.cpu, m + w.memoryMb]);
    }
    moving.forEach((w, i) => {
      const to = hosts.get(target[w.id] as string);
      const [c, m] = load.get(to?.id ?? "") ?? [0, 0];
      const fits = to && c + w.cpu <= to.cpu + 1e-6 && m + w.memoryMb <= to.memoryMb + 1e-6;
      if (!((done >> i) & 1) && fits) stack.push(done | (1 << i));
    });
  }
  return false;
}

function workload(id: string, host: string, cpu: number, memoryMb = 1024) {
  return { id, kind: "vm" as const, host, cpu, memoryMb, antiAffinity: null, pinned: false };
}

describe("scheduleMoves", () => {
  it("never takes a host above full capacity, and finds an order whenever a direct one exists", () => {
    const seen = { multiStep: 0, hops: 0, stuck: 0 };
    fc.assert(
      fc.property(placementPairArb, ({ input, target }) => {
        let moves: Move[];
        try {
          moves = schedule(input, target);
        } catch (error) {
          expect(error).toBeInstanceOf(PlanError);
          expect((error as PlanError).code).toBe("moves_unschedulable");
          const count = input.workloads.filter((w) => target[w.id] !== w.host).length;
          if (count <= 12) expect(directOrderExists(input, target)).toBe(false);
          seen.stuck++;
          return;
        }
        expect(checkMoveOrder(input, target, moves)).toEqual([]);
        if (moves.some((m) => m.step > 1)) seen.multiStep++;
        if (moves.some((m) => m.reason.startsWith("temporary hop"))) seen.hops++;
      }),
      { numRuns: 1500, seed: 7 },
    );
    // The generator must actually produce the hard cases this test is about.
    expect(seen.multiStep).toBeGreaterThan(100);
    expect(seen.hops).toBeGreaterThan(0);
  });

  it("swaps two full hosts through a temporary hop on a third host with room", () => {
    const input: PlanInput = {
      hosts: [
        { id: "a", cpu: 10, memoryMb: 8192, maintenance: false },
        { id: "b", cpu: 10, memoryMb: 8192, maintenance: false },
        { id: "spare", cpu: 10, memoryMb: 8192, maintenance: false },
        { id: "off", cpu: 100, memoryMb: 81920, maintenance: true },
      ],
      workloads: [workload("x", "a", 6), workload("fill-a", "a", 3), workload("y", "b", 6), workload("fill-b", "b", 3)],
      policy: { cpuHeadroom: 1, memoryHeadroom: 1 },
    };
    const target = { x: "b", y: "a", "fill-a": "a", "fill-b": "b" };
    const moves = schedule(input, target);
    expect(checkMoveOrder(input, target, moves)).toEqual([]);
    expect(moves).toHaveLength(3);
    expect(moves[0]).toMatchObject({ to: "spare", step: 1 });
    expect(moves[0]?.reason).toMatch(/^temporary hop/);
  });

  it("reports a swap between two full hosts when no host has room for a hop", () => {
    const input: PlanInput = {
      hosts: [
        { id: "a", cpu: 10, memoryMb: 8192, maintenance: false },
        { id: "b", cpu: 10, memoryMb: 8192, maintenance: false },
      ],
      workloads: [workload("x", "a", 6), workload("fill-a", "a", 3), workload("y", "b", 6), workload("fill-b", "b", 3)],
      policy: { cpuHeadroom: 1, memoryHeadroom: 1 },
    };
    expect(() => schedule(input, { x: "b", y: "a", "fill-a": "a", "fill-b": "b" })).toThrow(
      /cannot be ordered without exceeding a host's full capacity: 2 moves wait on each other/,
    );
  });

  it("lets a host shed load before it receives, in a later step", () => {
    const input: PlanInput = {
      hosts: [
        { id: "a", cpu: 10, memoryMb: 8192, maintenance: false },
        { id: "b", cpu: 10, memoryMb: 8192, maintenance: false },
        { id: "c", cpu: 10, memoryMb: 8192, maintenance: false },
      ],
      workloads: [workload("big", "a", 8), workload("in", "b", 5), workload("rest", "c", 1)],
      policy: { cpuHeadroom: 1, memoryHeadroom: 1 },
    };
    const target = { big: "c", in: "a", rest: "c" };
    const moves = schedule(input, target);
    expect(moves.map((m) => [m.workload, m.step])).toEqual([
      ["big", 1],
      ["in", 2],
    ]);
  });
});
