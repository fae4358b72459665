// After the host count is settled, the same kept hosts with fewer migrations. The packing
// passes reach the fewest hosts but place workloads wherever they fit, so on fleets whose
// demand fills the kept hosts almost exactly they displace workloads that could have stayed.
// This pass keeps the final set of hosts and re-assigns workloads over it: first the cheap
// fixes (a workload goes home when it fits, or changes places with one that does not live
// there), then one workload at a time goes home with a small local repair (return-home.ts),
// then, on fleets small enough, a bounded search that sends every workload home and repairs
// the overload it causes with a hard cap on migrations below the best plan so far.
// Deterministic: seeded kicks and a fixed amount of work, no clock.
import { repairOverload } from "./capped-repair.js";
import { at, type Fleet } from "./fleet.js";
import { Packing } from "./packing.js";
import { returnHomeOneByOne } from "./return-home.js";

/**
 * Above this many workloads the search over all kept hosts is skipped: its swaps are
 * quadratic, and on the 1,000-workload bench fleets it saved 1 move in 5 fleets for ~0.2 s each.
 */
const SEARCH_MAX_WORKLOADS = 300;
/** Rounds of one-by-one returns: a later round finds room an earlier return made. */
const RETURN_ROUNDS = 3;
/** Candidate shifts and swaps evaluated by one repair over all kept hosts. */
const EVALUATIONS_PER_ATTEMPT = 600_000;
/** Repair attempts (each with other kicks) after the last improvement, before the search stops. */
const FAILED_ATTEMPTS = 6;

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
  const startMoves = countMovesOf(start);
  let best = start;
  let bestMoves = sendHomeWherePossible(best, startMoves, keptHome);
  for (let round = 0, before = Number.POSITIVE_INFINITY; round < RETURN_ROUNDS && bestMoves < before; round++) {
    before = bestMoves;
    bestMoves = sendHomeWherePossible(best, returnHomeOneByOne(best, kept, bestMoves, keptHome), keptHome);
  }
  if (fleet.workloadCount <= SEARCH_MAX_WORKLOADS) {
    for (let attempt = 0, failed = 0; failed < FAILED_ATTEMPTS; attempt++) {
      const trial = best.clone();
      const moves = sendEveryoneHome(trial, keptHome);
      const repaired = repairOverload(trial, kept, moves, bestMoves - 1, {
        salt: attempt,
        evaluations: EVALUATIONS_PER_ATTEMPT,
      });
      if (repaired < 0) {
        failed++;
        continue;
      }
      best = trial;
      bestMoves = sendHomeWherePossible(best, repaired, keptHome);
      failed = 0;
    }
  }
  return bestMoves < startMoves ? best.host : target;
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

function countMovesOf(packing: Packing): number {
  return countMoves(packing.fleet, packing.host);
}

/** Workloads that end away from their current host. */
export function countMoves(fleet: Fleet, target: Int32Array): number {
  let moves = 0;
  for (let w = 0; w < fleet.workloadCount; w++) if (at(target, w) !== at(fleet.home, w)) moves++;
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
  return countMovesOf(packing);
}
