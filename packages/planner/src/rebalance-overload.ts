// The last resort of "empty one more host": when placing a victim's workloads one by one
// fails, spread them over the other kept hosts anyway (some hosts then run over) and shuffle
// workloads between hosts — single moves and pairwise swaps — until no host is over. Fleets
// whose demand adds up to almost exactly k hosts (the benchmark's 100-workload fleets fill 5
// hosts to within 0.03 cores) need such a near-perfect partition, which greedy placement
// rarely finds but a swap search reaches quickly. Deterministic (a seeded generator for the
// kicks that leave a local minimum) and bounded by a fixed amount of work, no clock.
import { at, EPSILON, type Fleet } from "./fleet.js";

/** Work bound: candidate moves and swaps evaluated, in total, per victim. */
const EVALUATIONS = 4_000_000;
/** Worsening swaps taken when no improving one is left, before giving up on a victim. */
const KICKS = 400;

/**
 * Final hosts for every workload with `victim` empty, or null when none was found. `hostOf`
 * is the current placement on `kept` (victim included); pinned workloads never move and no
 * host ends with two members of one anti-affinity group.
 */
export function rebalanceWithout(
  fleet: Fleet,
  hostOf: Int32Array,
  kept: readonly number[],
  victim: number,
): Int32Array | null {
  return rebalanceOnto(
    fleet,
    hostOf,
    kept.filter((h) => h !== victim),
    victim,
  );
}

/**
 * Final hosts for every workload, all on `hosts` (which may include empty hosts), or null when
 * none was found. Workloads elsewhere are spread first; pinned ones there make it impossible.
 */
export function rebalanceOnto(
  fleet: Fleet,
  hostOf: Int32Array,
  hosts: readonly number[],
  /** Varies the kicks between calls. */
  salt: number,
  /** Candidate moves and swaps evaluated before it gives up. */
  budget = EVALUATIONS,
): Int32Array | null {
  if (hosts.length === 0) return null;
  const isTarget = new Uint8Array(fleet.hostCount);
  for (const h of hosts) isTarget[h] = 1;
  const host = Int32Array.from(hostOf);
  const loadCpu = new Float64Array(fleet.hostCount);
  const loadMem = new Float64Array(fleet.hostCount);
  // Overload is measured in shares of a host, so cpu and memory weigh alike.
  const cpuUnit = 1 / Math.max(...hosts.map((h) => at(fleet.usableCpu, h)));
  const memUnit = 1 / Math.max(...hosts.map((h) => at(fleet.usableMem, h)));
  const groupCount = new Map<number, number>();
  const key = (g: number, h: number) => g * fleet.hostCount + h;
  const movable: number[] = [];
  const add = (w: number, h: number, sign: number) => {
    loadCpu[h] = at(loadCpu, h) + sign * at(fleet.cpu, w);
    loadMem[h] = at(loadMem, h) + sign * at(fleet.mem, w);
    const g = at(fleet.group, w);
    if (g >= 0) groupCount.set(key(g, h), (groupCount.get(key(g, h)) ?? 0) + sign);
  };
  for (let w = 0; w < fleet.workloadCount; w++) {
    if (isTarget[at(host, w)]) add(w, at(host, w), 1);
    if (!fleet.pinned[w]) movable.push(w);
  }
  const over = (h: number, cpu: number, mem: number) =>
    Math.max(0, cpu - at(fleet.usableCpu, h) - EPSILON / 2) * cpuUnit +
    Math.max(0, mem - at(fleet.usableMem, h) - EPSILON / 2) * memUnit;
  const overOf = (h: number) => over(h, at(loadCpu, h), at(loadMem, h));
  /** Whether w may join h, ignoring `leaving` (a swap partner leaving h). */
  const groupFree = (w: number, h: number, leaving: number) => {
    const g = at(fleet.group, w);
    if (g < 0) return true;
    const present = groupCount.get(key(g, h)) ?? 0;
    return present === 0 || (present === 1 && leaving >= 0 && at(fleet.group, leaving) === g);
  };
  // Spread the victim's workloads where they overload least.
  for (let w = 0; w < fleet.workloadCount; w++) {
    if (isTarget[at(host, w)]) continue;
    if (fleet.pinned[w]) return null;
    let best = -1;
    let bestCost = Number.POSITIVE_INFINITY;
    for (const h of hosts) {
      if (!groupFree(w, h, -1)) continue;
      const cost =
        over(h, at(loadCpu, h) + at(fleet.cpu, w), at(loadMem, h) + at(fleet.mem, w)) -
        overOf(h) +
        1e-9 * (at(loadCpu, h) * cpuUnit + at(loadMem, h) * memUnit);
      if (cost < bestCost) [best, bestCost] = [h, cost];
    }
    if (best < 0) return null;
    host[w] = best;
    add(w, best, 1);
  }
  let seed = 0x9e3779b9 ^ salt;
  const random = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const moveTo = (w: number, h: number) => {
    add(w, at(host, w), -1);
    host[w] = h;
    add(w, h, 1);
  };
  /** Fewer migrations: workloads the search moved for nothing go back home, alone or by swapping back. */
  const sendHome = () => {
    for (const w of movable) {
      const home = at(fleet.home, w);
      const now = at(host, w);
      if (now === home || !isTarget[home]) continue;
      if (
        groupFree(w, home, -1) &&
        over(home, at(loadCpu, home) + at(fleet.cpu, w), at(loadMem, home) + at(fleet.mem, w)) === 0
      ) {
        moveTo(w, home);
        continue;
      }
      for (const u of movable) {
        if (at(host, u) !== home || at(fleet.home, u) !== now) continue;
        const dc = at(fleet.cpu, w) - at(fleet.cpu, u);
        const dm = at(fleet.mem, w) - at(fleet.mem, u);
        const fits =
          over(home, at(loadCpu, home) + dc, at(loadMem, home) + dm) === 0 &&
          over(now, at(loadCpu, now) - dc, at(loadMem, now) - dm) === 0;
        if (fits && groupFree(w, home, u) && groupFree(u, now, w)) {
          moveTo(w, home);
          moveTo(u, now);
          break;
        }
      }
    }
  };
  let evaluations = 0;
  let kicks = 0;
  for (;;) {
    const overloaded = hosts.filter((h) => overOf(h) > 0);
    if (overloaded.length === 0) {
      sendHome();
      return host;
    }
    if (evaluations > budget) return null;
    let bestGain = 1e-12;
    let bestMove: [number, number, number] | null = null; // [w, to, swap partner or -1]
    for (const w of movable) {
      const a = at(host, w);
      if (overOf(a) <= 0) continue;
      const wc = at(fleet.cpu, w);
      const wm = at(fleet.mem, w);
      const aBefore = overOf(a);
      for (const b of hosts) {
        if (b === a) continue;
        evaluations++;
        const bBefore = overOf(b);
        if (groupFree(w, b, -1)) {
          const gain =
            aBefore +
            bBefore -
            over(a, at(loadCpu, a) - wc, at(loadMem, a) - wm) -
            over(b, at(loadCpu, b) + wc, at(loadMem, b) + wm);
          if (gain > bestGain) [bestGain, bestMove] = [gain, [w, b, -1]];
        }
      }
      for (const u of movable) {
        const b = at(host, u);
        if (b === a) continue;
        evaluations++;
        const dc = at(fleet.cpu, u) - wc;
        const dm = at(fleet.mem, u) - wm;
        const gain =
          aBefore +
          overOf(b) -
          over(a, at(loadCpu, a) + dc, at(loadMem, a) + dm) -
          over(b, at(loadCpu, b) - dc, at(loadMem, b) - dm);
        if (gain > bestGain && groupFree(w, b, u) && groupFree(u, a, w)) [bestGain, bestMove] = [gain, [w, b, u]];
      }
    }
    if (bestMove === null) {
      // A local minimum: swap a random workload of an overloaded host with any other.
      if (kicks++ >= KICKS) return null;
      const from = movable.filter((w) => overOf(at(host, w)) > 0);
      const w = from[Math.floor(random() * from.length)];
      const u = movable[Math.floor(random() * movable.length)];
      if (w === undefined || u === undefined) return null;
      const a = at(host, w);
      const b = at(host, u);
      if (a !== b && groupFree(w, b, u) && groupFree(u, a, w)) {
        moveTo(w, b);
        moveTo(u, a);
      }
      continue;
    }
    const [w, to, partner] = bestMove;
    const from = at(host, w);
    moveTo(w, to);
    if (partner >= 0) moveTo(partner, from);
  }
}
