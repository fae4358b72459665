// A local search after the host-count search: from a placement on k hosts, try to empty one
// more host — the least loaded first — by placing its workloads on the other kept hosts
// (best fit, then the same "make room" repairs as the packer: shift one workload aside, or move
// a few smaller ones out and place them again). Where the fresh repack for k - 1 hosts failed
// (it keeps every stayer in place and so meets fragmented room), this starts from a packing
// that is already tight and only disturbs what it must. Deterministic: a fixed number of
// victims is tried per host count, no clock.
import type { Placement } from "./find-placement.js";
import { at, EPSILON, type Fleet } from "./fleet.js";
import { Packing } from "./packing.js";
import { rebalanceOnto, rebalanceWithout } from "./rebalance-overload.js";
import { emptiesReason, makeSizer, placeAll, sizeOf } from "./repack.js";

/** How many of the least-loaded hosts are tried before the search gives up on one host less. */
const VICTIMS_PER_ROUND = 6;
/** Victims also tried with the swap search when greedy placement fails, and up to what size of fleet. */
const REBALANCE_VICTIMS = 2;
const REBALANCE_MAX_WORKLOADS = 1000;

export function emptyMoreHosts(
  fleet: Fleet,
  start: Placement,
  lowerBound: number,
  forced: readonly number[],
): Placement {
  let best = start;
  const isForced = new Uint8Array(fleet.hostCount);
  for (const h of forced) isForced[h] = 1;
  for (;;) {
    const kept = usedHosts(best.packing);
    if (kept.length <= lowerBound) return best;
    const next = emptyOneHost(fleet, best, kept, isForced);
    if (next === null) return best;
    best = next;
  }
}

function usedHosts(packing: Packing): number[] {
  const used: number[] = [];
  for (let h = 0; h < packing.fleet.hostCount; h++) if (packing.membersOf(h).length > 0) used.push(h);
  return used;
}

function emptyOneHost(fleet: Fleet, from: Placement, kept: number[], isForced: Uint8Array): Placement | null {
  const sizer = makeSizer(fleet, kept);
  const load = (h: number) =>
    at(from.packing.loadCpu, h) * sizer.cpuWeight + at(from.packing.loadMem, h) * sizer.memWeight;
  const victims = kept
    .filter((h) => !isForced[h])
    .sort((a, b) => load(a) - load(b) || a - b)
    .slice(0, VICTIMS_PER_ROUND);
  for (const v of victims) {
    const rest = kept.filter((h) => h !== v);
    const restSizer = makeSizer(fleet, rest);
    const size = Float64Array.from({ length: fleet.workloadCount }, (_, w) => sizeOf(fleet, restSizer, w));
    const packing = from.packing.clone();
    const reasons = new Map(from.reasons);
    const queue = [...packing.membersOf(v)];
    for (const w of queue) {
      packing.remove(w);
      if (!reasons.has(w)) reasons.set(w, emptiesReason(fleet, v));
    }
    queue.sort((a, b) => at(size, b) - at(size, a));
    const budget = 4 * queue.length + 100;
    const { failed } = placeAll(packing, queue, Int32Array.from(rest), restSizer, size, reasons, budget, true);
    if (failed >= 0) continue;
    // A workload shuffled back onto its own host does not move after all.
    for (const w of [...reasons.keys()]) if (at(packing.host, w) === at(fleet.home, w)) reasons.delete(w);
    return { packing, reasons };
  }
  if (fleet.workloadCount > REBALANCE_MAX_WORKLOADS) return null;
  // Each host fits up to EPSILON over its usable capacity, and float sums need that slack.
  const holdsDemand = (hosts: readonly number[]) =>
    hosts.reduce((s, h) => s + at(fleet.usableCpu, h) + EPSILON, 0) >= fleet.cpu.reduce((a, b) => a + b, 0) &&
    hosts.reduce((s, h) => s + at(fleet.usableMem, h) + EPSILON, 0) >= fleet.mem.reduce((a, b) => a + b, 0);
  for (const v of victims.filter((h) => holdsDemand(kept.filter((k) => k !== h))).slice(0, REBALANCE_VICTIMS)) {
    const target = rebalanceWithout(fleet, from.packing.host, kept, v);
    if (target !== null) return toPlacement(fleet, from, target);
  }
  const swapped = tradeTwoForOne(fleet, from, kept, isForced, holdsDemand);
  return swapped === null ? null : toPlacement(fleet, from, swapped);
}

/**
 * With mixed host sizes the kept hosts may leave no single host to empty: the smaller spare
 * ones are needed for capacity. Two small kept hosts can still give way to one larger unused
 * host. The pairs of the smallest unpinned kept hosts are tried (a few), with the largest
 * unused usable host, when the result holds the total demand.
 */
function tradeTwoForOne(
  fleet: Fleet,
  from: Placement,
  kept: number[],
  isForced: Uint8Array,
  holdsDemand: (hosts: readonly number[]) => boolean,
): Int32Array | null {
  const isKept = new Uint8Array(fleet.hostCount);
  for (const h of kept) isKept[h] = 1;
  const capacity = (h: number) =>
    at(fleet.usableCpu, h) / maxOf(fleet.usableCpu) + at(fleet.usableMem, h) / maxOf(fleet.usableMem);
  let fresh = -1;
  for (let h = 0; h < fleet.hostCount; h++) {
    if (isKept[h] || fleet.maintenance[h]) continue;
    if (fresh < 0 || capacity(h) > capacity(fresh)) fresh = h;
  }
  if (fresh < 0) return null;
  const small = kept
    .filter((h) => !isForced[h])
    .sort((a, b) => capacity(a) - capacity(b) || a - b)
    .slice(0, 3);
  for (let i = 0; i < small.length; i++) {
    for (let j = i + 1; j < small.length; j++) {
      const hosts = [...kept.filter((h) => h !== small[i] && h !== small[j]), fresh];
      if (!holdsDemand(hosts)) continue;
      const target = rebalanceOnto(fleet, from.packing.host, hosts, fresh);
      if (target !== null) return target;
    }
  }
  return null;
}

function maxOf(values: Float64Array): number {
  return Math.max(EPSILON, ...values);
}

/** The placement for the swap search's result, with a reason for every workload that moves. */
export function toPlacement(fleet: Fleet, from: Placement, target: Int32Array): Placement {
  const packing = new Packing(fleet);
  for (let w = 0; w < fleet.workloadCount; w++) packing.place(w, at(target, w));
  const reasons = new Map(from.reasons);
  const arriving = new Map<number, number>();
  for (let w = 0; w < fleet.workloadCount; w++) {
    const home = at(fleet.home, w);
    if (at(target, w) === home) reasons.delete(w);
    else arriving.set(at(target, w), w);
  }
  for (let w = 0; w < fleet.workloadCount; w++) {
    const home = at(fleet.home, w);
    if (at(target, w) === home || reasons.has(w)) continue;
    const incoming = arriving.get(home);
    // Nothing arriving: it leaves so that the workloads staying there fit.
    const makesRoom =
      incoming === undefined
        ? `makes room on ${fleet.hostIds[home]} for workloads that stay there`
        : `makes room for ${fleet.workloadIds[incoming]}`;
    reasons.set(w, packing.membersOf(home).length === 0 ? emptiesReason(fleet, home) : makesRoom);
  }
  return { packing, reasons };
}
