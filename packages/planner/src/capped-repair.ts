// The search under reduce-migrations.ts: from an assignment where some kept hosts are above
// their usable capacity (workloads were sent home regardless of room), shift and swap
// workloads between a set of hosts until none is over, never spending more than a given
// number of migrations. Deterministic: seeded kicks and a bounded amount of work.
import { at, EPSILON } from "./fleet.js";
import type { Packing } from "./packing.js";

/** Worsening steps taken out of local minima before a repair gives up. */
const KICKS = 200;

/**
 * Shifts and swaps workloads between the kept hosts until none is above its usable capacity,
 * never exceeding `cap` migrations: best improvement in overload, fewer migrations breaking
 * ties, seeded kicks out of local minima. Returns the migrations, or -1 when it gives up.
 */
export function repairOverload(
  packing: Packing,
  kept: readonly number[],
  moves: number,
  cap: number,
  limits: { salt: number; evaluations: number; kicks?: number },
): number {
  const { fleet } = packing;
  if (moves > cap) return -1;
  const cpuUnit = 1 / Math.max(...kept.map((h) => at(fleet.usableCpu, h)));
  const memUnit = 1 / Math.max(...kept.map((h) => at(fleet.usableMem, h)));
  const over = (h: number, cpu: number, mem: number) =>
    Math.max(0, cpu - at(fleet.usableCpu, h) - EPSILON / 2) * cpuUnit +
    Math.max(0, mem - at(fleet.usableMem, h) - EPSILON / 2) * memUnit;
  const overOf = (h: number) => over(h, at(packing.loadCpu, h), at(packing.loadMem, h));
  /** Migrations added by w ending on `to` instead of `from`. */
  const cost = (w: number, from: number, to: number) => {
    const home = at(fleet.home, w);
    return (to === home ? 0 : 1) - (from === home ? 0 : 1);
  };
  const random = seededKicks(limits.salt);
  let current = moves;
  let evaluations = 0;
  let kicks = 0;
  for (;;) {
    const overloaded = kept.filter((h) => overOf(h) > 0);
    if (overloaded.length === 0) return current;
    if (evaluations > limits.evaluations) return -1;
    let bestGain = 1e-12;
    let bestCost = Number.POSITIVE_INFINITY;
    let best: [w: number, to: number, partner: number] | null = null;
    for (const a of overloaded) {
      const aBefore = overOf(a);
      for (const w of packing.membersOf(a)) {
        if (fleet.pinned[w]) continue;
        const wc = at(fleet.cpu, w);
        const wm = at(fleet.mem, w);
        for (const b of kept) {
          if (b === a) continue;
          const bBefore = overOf(b);
          evaluations++;
          const shiftCost = cost(w, a, b);
          if (current + shiftCost <= cap && !packing.hasGroup(at(fleet.group, w), b)) {
            const gain =
              aBefore +
              bBefore -
              over(a, at(packing.loadCpu, a) - wc, at(packing.loadMem, a) - wm) -
              over(b, at(packing.loadCpu, b) + wc, at(packing.loadMem, b) + wm);
            if (better(gain, shiftCost, bestGain, bestCost)) [bestGain, bestCost, best] = [gain, shiftCost, [w, b, -1]];
          }
          for (const u of packing.membersOf(b)) {
            if (fleet.pinned[u]) continue;
            evaluations++;
            const swapCost = shiftCost + cost(u, b, a);
            if (current + swapCost > cap) continue;
            const dc = at(fleet.cpu, u) - wc;
            const dm = at(fleet.mem, u) - wm;
            const gain =
              aBefore +
              bBefore -
              over(a, at(packing.loadCpu, a) + dc, at(packing.loadMem, a) + dm) -
              over(b, at(packing.loadCpu, b) - dc, at(packing.loadMem, b) - dm);
            if (better(gain, swapCost, bestGain, bestCost) && canSwap(packing, w, u)) {
              [bestGain, bestCost, best] = [gain, swapCost, [w, b, u]];
            }
          }
        }
      }
    }
    if (best === null) {
      if (kicks++ >= (limits.kicks ?? KICKS)) return -1;
      current += kick(packing, overloaded, kept, random, cap - current, cost);
      continue;
    }
    const [w, to, partner] = best;
    const from = at(packing.host, w);
    packing.remove(w);
    if (partner >= 0) {
      packing.remove(partner);
      packing.place(partner, from);
    }
    packing.place(w, to);
    current += bestCost;
  }
}

/** Larger overload gain first; between gains equal to float noise, fewer migrations. */
function better(gain: number, cost: number, bestGain: number, bestCost: number): boolean {
  if (gain > bestGain + 1e-12) return true;
  return gain > bestGain - 1e-12 && gain > 1e-12 && cost < bestCost;
}

/** Whether w and u (on different hosts) may change places without two group members sharing a host. */
function canSwap(packing: Packing, w: number, u: number): boolean {
  const { fleet } = packing;
  const gw = at(fleet.group, w);
  const gu = at(fleet.group, u);
  if (gw >= 0 && gw === gu) return true;
  return !packing.hasGroup(gw, at(packing.host, u)) && !packing.hasGroup(gu, at(packing.host, w));
}

/** A random swap of a workload on an overloaded host with any other, within the migration cap. Returns the migrations added. */
function kick(
  packing: Packing,
  overloaded: readonly number[],
  kept: readonly number[],
  random: () => number,
  room: number,
  cost: (w: number, from: number, to: number) => number,
): number {
  const { fleet } = packing;
  const a = overloaded[Math.floor(random() * overloaded.length)] as number;
  const b = kept[Math.floor(random() * kept.length)] as number;
  const fromA = packing.membersOf(a);
  const fromB = packing.membersOf(b);
  const w = fromA[Math.floor(random() * fromA.length)];
  const u = fromB[Math.floor(random() * fromB.length)];
  if (a === b || w === undefined || u === undefined || fleet.pinned[w] || fleet.pinned[u]) return 0;
  const added = cost(w, a, b) + cost(u, b, a);
  if (added > room || !canSwap(packing, w, u)) return 0;
  packing.remove(w);
  packing.remove(u);
  packing.place(w, b);
  packing.place(u, a);
  return added;
}

/** A small LCG: the kicks differ between attempts but every run of the planner is the same. */
function seededKicks(salt: number): () => number {
  let seed = (0x2545f491 ^ Math.imul(salt + 1, 0x9e3779b9)) >>> 0;
  return () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}
