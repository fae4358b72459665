// One moved workload at a time goes home even where its home has no room, and a small
// search over a few hosts (its home, the host it leaves and those with the most room) makes
// that room by moving others, spending fewer migrations than it saves. Cheap enough for the
// largest fleets, where a search over every kept host is not.
import { repairOverload } from "./capped-repair.js";
import { at } from "./fleet.js";
import type { Packing } from "./packing.js";

/** Hosts one local repair works over. */
const NEIGHBOURHOOD = 8;
/** Shifts and swaps one local repair may evaluate. */
const EVALUATIONS = 20_000;
const KICKS = 20;
/**
 * Shifts and swaps one round may evaluate in all: the bench's fleets use up to 4.6 million
 * (10,000 heavy-tailed workloads); this bounds the time on a plan far from its fleet's
 * placement, where nearly every workload is a candidate.
 */
const ROUND_EVALUATIONS = 6_000_000;

/**
 * Tries every workload whose kept home it is not on (`keptHome` gives that home, or -1);
 * keeps each repair that lowers the migrations and undoes the others. Returns the migrations.
 */
export function returnHomeOneByOne(
  packing: Packing,
  kept: readonly number[],
  moves: number,
  keptHome: (w: number) => number,
): number {
  const { fleet } = packing;
  let current = moves;
  const spent = { evaluations: 0 };
  for (let w = 0; w < fleet.workloadCount && spent.evaluations < ROUND_EVALUATIONS; w++) {
    const home = keptHome(w);
    const now = at(packing.host, w);
    if (home < 0 || now === home || packing.groupMateOn(w, home) >= 0) continue;
    const hosts = neighbourhood(packing, kept, home, now);
    const before = hosts.flatMap((h) => packing.membersOf(h).map((u) => [u, h] as const));
    packing.remove(w);
    packing.place(w, home);
    const repaired = repairOverload(packing, hosts, current - 1, current - 1, {
      salt: w,
      evaluations: EVALUATIONS,
      kicks: KICKS,
      spent,
    });
    if (repaired >= 0) current = repaired;
    else restore(packing, before);
  }
  return current;
}

/** The home, the host left, and the kept hosts with the most room in their scarcer resource. */
function neighbourhood(packing: Packing, kept: readonly number[], home: number, now: number): number[] {
  const { fleet } = packing;
  const room = (h: number) =>
    Math.min(
      (at(fleet.usableCpu, h) - at(packing.loadCpu, h)) / at(fleet.usableCpu, h),
      (at(fleet.usableMem, h) - at(packing.loadMem, h)) / at(fleet.usableMem, h),
    );
  const roomiest: number[] = [];
  for (const h of kept) {
    if (h === home || h === now) continue;
    // Insertion into a short sorted list: one pass over the kept hosts per workload.
    let i = roomiest.length;
    while (i > 0 && room(roomiest[i - 1] as number) < room(h)) i--;
    if (i < NEIGHBOURHOOD - 2) roomiest.splice(i, 0, h);
    if (roomiest.length > NEIGHBOURHOOD - 2) roomiest.pop();
  }
  return [home, now, ...roomiest];
}

/** Puts every workload back on the host it had; all leave first so no anti-affinity group is ever doubled. */
function restore(packing: Packing, before: readonly (readonly [number, number])[]): void {
  const displaced = before.filter(([u, h]) => at(packing.host, u) !== h);
  for (const [u] of displaced) packing.remove(u);
  for (const [u, h] of displaced) packing.place(u, h);
}
