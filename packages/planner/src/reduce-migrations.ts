// After the host count is settled, the same kept hosts with fewer migrations. The packing
// passes reach the fewest hosts but place workloads wherever they fit, so on fleets whose
// demand fills the kept hosts almost exactly they displace workloads that could have stayed.
// This pass keeps the final set of hosts and re-assigns workloads over it: first the cheap
// fixes (a workload goes home when it fits, or changes places with one that does not live
// there), then, on fleets small enough, a bounded search that sends every workload home and
// repairs the overload it causes with a hard cap on migrations below the best plan so far.
// Deterministic: seeded kicks and a fixed amount of work, no clock.
import { at, EPSILON, type Fleet } from "./fleet.js";
import { Packing } from "./packing.js";

/** Above this many workloads only the cheap fixes run: the search's swaps are quadratic. */
const SEARCH_MAX_WORKLOADS = 1000;
/** Candidate shifts and swaps evaluated by one repair attempt. */
const EVALUATIONS_PER_ATTEMPT = 600_000;
/** Repair attempts (each with other kicks) after the last improvement, before the search stops. */
const FAILED_ATTEMPTS = 6;
/** Worsening steps one attempt takes out of a local minimum before it gives up. */
const KICKS = 200;

/**
 * Final hosts for every workload, on the hosts `target` already uses, with at most its
 * migrations (the same array when nothing better was found). Every constraint the target
 * keeps still holds: usable capacity, anti-affinity, pinned workloads at home.
 */
export function reduceMigrations(fleet: Fleet, target: Int32Array): Int32Array {
  const start = toPacking(fleet, target);
  const kept = usedHosts(start);
  const isKept = new Uint8Array(fleet.hostCount);
  for (const h of kept) isKept[h] = 1;
  const keptHome = (w: number) => (isKept[at(fleet.home, w)] && !fleet.pinned[w] ? at(fleet.home, w) : -1);
  let best = start;
  let bestMoves = sendHomeWherePossible(best, countMoves(best), keptHome);
  if (fleet.workloadCount <= SEARCH_MAX_WORKLOADS) {
    for (let attempt = 0, failed = 0; failed < FAILED_ATTEMPTS; attempt++) {
      const trial = best.clone();
      const moves = sendEveryoneHome(trial, keptHome);
      const repaired = repairOverload(trial, kept, moves, bestMoves - 1, attempt);
      if (repaired < 0) {
        failed++;
        continue;
      }
      best = trial;
      bestMoves = sendHomeWherePossible(best, repaired, keptHome);
      failed = 0;
    }
  }
  return bestMoves < countMoves(start) ? best.host : target;
}

function toPacking(fleet: Fleet, target: Int32Array): Packing {
  const packing = new Packing(fleet);
  for (let w = 0; w < fleet.workloadCount; w++) packing.place(w, at(target, w));
  return packing;
}

function usedHosts(packing: Packing): number[] {
  const used: number[] = [];
  for (let h = 0; h < packing.fleet.hostCount; h++) if (packing.membersOf(h).length > 0) used.push(h);
  return used;
}

function countMoves(packing: Packing): number {
  const { fleet } = packing;
  let moves = 0;
  for (let w = 0; w < fleet.workloadCount; w++) if (at(packing.host, w) !== at(fleet.home, w)) moves++;
  return moves;
}

/**
 * The cheap fixes, to a fixpoint: a moved workload whose home is kept goes back when it fits,
 * else changes places with a workload on its home that does not live there (that one then
 * moves anyway, only elsewhere). Returns the migrations left.
 */
function sendHomeWherePossible(packing: Packing, moves: number, keptHome: (w: number) => number): number {
  const { fleet } = packing;
  let left = moves;
  for (let changed = true; changed; ) {
    changed = false;
    for (let w = 0; w < fleet.workloadCount; w++) {
      const now = at(packing.host, w);
      const home = keptHome(w);
      if (home < 0 || now === home) continue;
      packing.remove(w);
      if (packing.fits(w, home)) {
        packing.place(w, home);
        left--;
        changed = true;
        continue;
      }
      const partner = findExchange(packing, w, home, now);
      if (partner < 0) {
        packing.place(w, now);
        continue;
      }
      packing.remove(partner);
      packing.place(w, home);
      packing.place(partner, now);
      left -= now === at(fleet.home, partner) ? 2 : 1;
      changed = true;
    }
  }
  return left;
}

/** A workload on `home` that is not at home there and whose move to `now` makes room for w (w already removed). */
function findExchange(packing: Packing, w: number, home: number, now: number): number {
  const { fleet } = packing;
  for (const u of packing.membersOf(home)) {
    if (at(fleet.home, u) === home || fleet.pinned[u]) continue;
    packing.remove(u);
    const ok = packing.fits(w, home) && packing.fits(u, now);
    packing.place(u, home);
    if (ok) return u;
  }
  return -1;
}

/** Every movable workload whose home is kept goes home, capacity ignored (anti-affinity kept). Returns the migrations left. */
function sendEveryoneHome(packing: Packing, keptHome: (w: number) => number): number {
  const { fleet } = packing;
  for (let w = 0; w < fleet.workloadCount; w++) {
    const home = keptHome(w);
    if (home < 0 || at(packing.host, w) === home || packing.groupMateOn(w, home) >= 0) continue;
    packing.remove(w);
    packing.place(w, home);
  }
  return countMoves(packing);
}

/**
 * Shifts and swaps workloads between the kept hosts until none is above its usable capacity,
 * never exceeding `cap` migrations: best improvement in overload, fewer migrations breaking
 * ties, seeded kicks out of local minima. Returns the migrations, or -1 when it gives up.
 */
function repairOverload(packing: Packing, kept: readonly number[], moves: number, cap: number, salt: number): number {
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
  const random = seededKicks(salt);
  let current = moves;
  let evaluations = 0;
  let kicks = 0;
  for (;;) {
    const overloaded = kept.filter((h) => overOf(h) > 0);
    if (overloaded.length === 0) return current;
    if (evaluations > EVALUATIONS_PER_ATTEMPT) return -1;
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
      if (kicks++ >= KICKS) return -1;
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
