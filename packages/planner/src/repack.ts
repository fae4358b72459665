// Packs the workloads that must move into the hosts being kept, around the workloads that
// stay: best-fit decreasing, then "make room" repairs for what does not fit.
import type { StayAnalysis } from "./analyse-stays.js";
import { at, EPSILON, type Fleet } from "./fleet.js";
import { makeRoom } from "./make-room.js";
import { Packing, type Sizer } from "./packing.js";
import { findSwap } from "./swap-room.js";

export type RepackResult =
  | { ok: true; packing: Packing; reasons: Map<number, string>; repairs: number }
  | { ok: false; workload: number; repairs: number };

export function repack(fleet: Fleet, stays: StayAnalysis, kept: readonly number[]): RepackResult {
  const packing = new Packing(fleet);
  const isKept = new Uint8Array(fleet.hostCount);
  for (const h of kept) isKept[h] = 1;
  const reasons = new Map<number, string>();
  const queue: number[] = [];
  for (let w = 0; w < fleet.workloadCount; w++) {
    const home = at(fleet.home, w);
    const reason = stays.leaveReason[w] ?? null;
    if (isKept[home] && reason === null) {
      packing.place(w, home);
      continue;
    }
    queue.push(w);
    reasons.set(w, isKept[home] || fleet.maintenance[home] ? (reason as string) : emptiesReason(fleet, home));
  }
  const sizer = makeSizer(fleet, kept);
  const size = Float64Array.from({ length: fleet.workloadCount }, (_, w) => sizeOf(fleet, sizer, w));
  queue.sort((a, b) => at(size, b) - at(size, a));
  const keptHosts = Int32Array.from(kept);
  const { failed, repairs } = placeAll(packing, queue, keptHosts, sizer, size, reasons);
  return failed < 0 ? { ok: true, packing, reasons, repairs } : { ok: false, workload: failed, repairs };
}

export function emptiesReason(fleet: Fleet, h: number): string {
  const count = fleet.residents[h]?.length ?? 0;
  return `empties host ${fleet.hostIds[h]} (${count} workload${count === 1 ? "" : "s"})`;
}

export function makeSizer(fleet: Fleet, kept: readonly number[]): Sizer {
  let capCpu = 0;
  let capMem = 0;
  for (const h of kept) {
    capCpu += at(fleet.usableCpu, h);
    capMem += at(fleet.usableMem, h);
  }
  const needCpu = fleet.cpu.reduce((a, b) => a + b, 0);
  const needMem = fleet.mem.reduce((a, b) => a + b, 0);
  // Per unit of each resource, weighted by the share of it the workloads use.
  return {
    cpuWeight: needCpu / Math.max(capCpu, EPSILON) / Math.max(capCpu / kept.length, EPSILON),
    memWeight: needMem / Math.max(capMem, EPSILON) / Math.max(capMem / kept.length, EPSILON),
  };
}

export function sizeOf(fleet: Fleet, sizer: Sizer, w: number): number {
  return at(fleet.cpu, w) * sizer.cpuWeight + at(fleet.mem, w) * sizer.memWeight;
}

/** `failed` is -1 when everything is placed, else the workload that could not be. */
export function placeAll(
  packing: Packing,
  queue: readonly number[],
  kept: Int32Array,
  sizer: Sizer,
  size: Float64Array,
  reasons: Map<number, string>,
  budget = 4 * queue.length + 100,
  /** Also try swaps (swap-room.ts) when no other repair works: slower, used by the final squeeze. */
  swaps = false,
): { failed: number; repairs: number } {
  const bumped: number[] = [];
  // Every repair places the workload at hand, either shifting one other to a host where it
  // fits as is or sending strictly smaller ones back to be placed, so this ends; the budget
  // only bounds the time spent where repairs keep cascading.
  let repairs = 0;
  let next = 0;
  while (next < queue.length || bumped.length > 0) {
    const w = bumped.length > 0 ? (bumped.pop() as number) : (queue[next++] as number);
    const h = packing.bestHost(w, kept, sizer);
    if (h >= 0) {
      packing.place(w, h);
      continue;
    }
    const room = repairs++ < budget ? makeRoom(packing, w, kept, sizer, size) : null;
    if (room === null) {
      const swap = swaps && repairs < budget ? findSwap(packing, w, kept) : null;
      if (swap === null) return { failed: w, repairs };
      const { a, b, hostA, hostB } = swap;
      for (const [y, to] of [
        [a, hostB],
        [b, hostA],
      ] as const) {
        packing.remove(y);
        packing.place(y, to);
        if (!reasons.has(y)) reasons.set(y, `makes room for ${packing.fleet.workloadIds[w]}`);
        else if (to === at(packing.fleet.home, y)) reasons.delete(y);
      }
      packing.place(w, swap.host);
      continue;
    }
    for (const y of room.evict) {
      packing.remove(y);
      if (!reasons.has(y)) reasons.set(y, `makes room for ${packing.fleet.workloadIds[w]}`);
      if (room.shiftTo >= 0) packing.place(y, room.shiftTo);
      else bumped.push(y);
    }
    packing.place(w, room.host);
    bumped.sort((a, b) => at(size, a) - at(size, b));
  }
  return { failed: -1, repairs };
}
