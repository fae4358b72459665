// The search under reduce-migrations.ts: from an assignment where some kept hosts are above
// their usable capacity (workloads were sent home regardless of room), shift and swap
// workloads between a set of hosts until none is over, never spending more than a given
// number of migrations. Deterministic: seeded kicks and a bounded amount of work.
import { at, EPSILON } from "./fleet.js";
import type { Packing } from "./packing.js";

/** Worsening steps taken out of local minima before a repair gives up. */
const KICKS = 200;

export interface RepairLimits {
  /** Varies the kicks between calls. */
  readonly salt: number;
  /** Candidate shifts and swaps evaluated before it gives up. */
  readonly evaluations: number;
  readonly kicks?: number;
  /** Adds the evaluations this repair made, for a caller that bounds the work of many. */
  readonly spent?: { evaluations: number };
}

/** A shift of w to `to` (partner -1) or a swap with `partner` on `to`, and the migrations it adds. */
type Step = { w: number; to: number; partner: number; cost: number };

/**
 * Shifts and swaps workloads between `hosts` until none is above its usable capacity, never
 * exceeding `cap` migrations: best improvement in overload, fewer migrations breaking ties,
 * seeded kicks out of local minima. Returns the migrations, or -1 when it gives up.
 */
export function repairOverload(
  packing: Packing,
  hosts: readonly number[],
  moves: number,
  cap: number,
  limits: RepairLimits,
): number {
  if (moves > cap) return -1;
  const search = new Search(packing, hosts);
  const random = seededKicks(limits.salt);
  let current = moves;
  let kicks = 0;
  try {
    for (;;) {
      const overloaded = hosts.filter((h) => search.overOf(h) > 0);
      if (overloaded.length === 0) return current;
      if (search.evaluations > limits.evaluations) return -1;
      const step = search.bestStep(overloaded, cap - current);
      if (step === null) {
        if (kicks++ >= (limits.kicks ?? KICKS)) return -1;
        current += kick(search, overloaded, random, cap - current);
        continue;
      }
      const from = at(packing.host, step.w);
      packing.remove(step.w);
      if (step.partner >= 0) {
        packing.remove(step.partner);
        packing.place(step.partner, from);
      }
      packing.place(step.w, step.to);
      current += step.cost;
    }
  } finally {
    if (limits.spent) limits.spent.evaluations += search.evaluations;
  }
}

/** Overload measured in shares of the largest host, so cpu and memory weigh alike. */
class Search {
  evaluations = 0;
  private readonly cpuUnit: number;
  private readonly memUnit: number;

  constructor(
    readonly packing: Packing,
    readonly hosts: readonly number[],
  ) {
    const { fleet } = packing;
    this.cpuUnit = 1 / Math.max(...hosts.map((h) => at(fleet.usableCpu, h)));
    this.memUnit = 1 / Math.max(...hosts.map((h) => at(fleet.usableMem, h)));
  }

  over(h: number, cpu: number, mem: number): number {
    const { fleet } = this.packing;
    return (
      Math.max(0, cpu - at(fleet.usableCpu, h) - EPSILON / 2) * this.cpuUnit +
      Math.max(0, mem - at(fleet.usableMem, h) - EPSILON / 2) * this.memUnit
    );
  }

  overOf(h: number): number {
    return this.over(h, at(this.packing.loadCpu, h), at(this.packing.loadMem, h));
  }

  /** Migrations added by w ending on `to` instead of `from`. */
  cost(w: number, from: number, to: number): number {
    const home = at(this.packing.fleet.home, w);
    return (to === home ? 0 : 1) - (from === home ? 0 : 1);
  }

  /** The best shift or swap out of an overloaded host adding at most `room` migrations, or null. */
  bestStep(overloaded: readonly number[], room: number): Step | null {
    const { packing } = this;
    const { fleet } = packing;
    let best: Step | null = null;
    let bestGain = 1e-12;
    let bestCost = Number.POSITIVE_INFINITY;
    // Plain numbers until a step wins: this loop runs millions of times per plan.
    const offer = (gain: number, w: number, to: number, partner: number, cost: number) => {
      if (cost > room || !better(gain, cost, bestGain, bestCost)) return;
      if (partner >= 0 ? !canSwap(packing, w, partner) : packing.hasGroup(at(fleet.group, w), to)) return;
      best = { w, to, partner, cost };
      [bestGain, bestCost] = [gain, cost];
    };
    const overNow = new Map(this.hosts.map((h) => [h, this.overOf(h)]));
    const gain = (a: number, b: number, cpu: number, mem: number) =>
      (overNow.get(a) ?? 0) + (overNow.get(b) ?? 0) - this.overAfter(a, b, cpu, mem);
    for (const a of overloaded) {
      for (const w of packing.membersOf(a)) {
        if (fleet.pinned[w]) continue;
        const wc = at(fleet.cpu, w);
        const wm = at(fleet.mem, w);
        for (const b of this.hosts) {
          if (b === a) continue;
          const shiftCost = this.cost(w, a, b);
          this.evaluations++;
          offer(gain(a, b, wc, wm), w, b, -1, shiftCost);
          for (const u of packing.membersOf(b)) {
            if (fleet.pinned[u]) continue;
            this.evaluations++;
            const cost = shiftCost + this.cost(u, b, a);
            if (cost <= room) offer(gain(a, b, wc - at(fleet.cpu, u), wm - at(fleet.mem, u)), w, b, u, cost);
          }
        }
      }
    }
    return best;
  }

  /** Overload of a and b once a's load drops by (cpu, mem) and b's grows by as much. */
  private overAfter(a: number, b: number, cpu: number, mem: number): number {
    const { loadCpu, loadMem } = this.packing;
    return (
      this.over(a, at(loadCpu, a) - cpu, at(loadMem, a) - mem) +
      this.over(b, at(loadCpu, b) + cpu, at(loadMem, b) + mem)
    );
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
function kick(search: Search, overloaded: readonly number[], random: () => number, room: number): number {
  const { packing, hosts } = search;
  const { fleet } = packing;
  const a = overloaded[Math.floor(random() * overloaded.length)] as number;
  const b = hosts[Math.floor(random() * hosts.length)] as number;
  const fromA = packing.membersOf(a);
  const fromB = packing.membersOf(b);
  const w = fromA[Math.floor(random() * fromA.length)];
  const u = fromB[Math.floor(random() * fromB.length)];
  if (a === b || w === undefined || u === undefined || fleet.pinned[w] || fleet.pinned[u]) return 0;
  const added = search.cost(w, a, b) + search.cost(u, b, a);
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
