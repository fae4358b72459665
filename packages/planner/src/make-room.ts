// Repairs for a workload that fits no kept host as things stand: shift one workload to
// another host to open a gap, or move out a few smaller workloads to be placed again.
import { at, EPSILON } from "./fleet.js";
import type { Packing, Sizer } from "./packing.js";

export interface Room {
  /** Where the workload goes. */
  host: number;
  /** Workloads that leave that host first. */
  evict: number[];
  /** Where the (single) evicted workload goes at once, or -1: the evicted are placed again later. */
  shiftTo: number;
  cost: number;
}

/** How many hosts, the closest to fitting w, a repair looks at: bounds the time per repair. */
const NEAR_HOSTS = 24;
/** How many shift candidates get a search for a new host. */
const SHIFT_TRIES = 32;

/** Shifting one workload aside is tried first: it never grows the queue of workloads to place. */
export function makeRoom(packing: Packing, w: number, kept: Int32Array, sizer: Sizer, size: Float64Array): Room | null {
  const near = nearestHosts(packing, w, kept, sizer);
  return shiftRoom(packing, w, near, kept, sizer) ?? evictRoom(packing, w, near, sizer, size);
}

function shortfall(packing: Packing, w: number, h: number): [cpu: number, mem: number] {
  const { fleet } = packing;
  return [
    at(packing.loadCpu, h) + at(fleet.cpu, w) - at(fleet.usableCpu, h),
    at(packing.loadMem, h) + at(fleet.mem, w) - at(fleet.usableMem, h),
  ];
}

function nearestHosts(packing: Packing, w: number, kept: Int32Array, sizer: Sizer): number[] {
  // The NEAR_HOSTS smallest gaps, kept sorted by insertion: one pass over the kept hosts
  // instead of sorting them all on every repair. Plain indexing: this runs once per repair.
  const { usableCpu, usableMem } = packing.fleet;
  const { loadCpu, loadMem } = packing;
  const cpu = packing.fleet.cpu[w] as number;
  const mem = packing.fleet.mem[w] as number;
  const hosts: number[] = [];
  const gaps: number[] = [];
  for (let i = 0; i < kept.length; i++) {
    const h = kept[i] as number;
    const overCpu = (loadCpu[h] as number) + cpu - (usableCpu[h] as number);
    const overMem = (loadMem[h] as number) + mem - (usableMem[h] as number);
    const gap = Math.max(overCpu, 0) * sizer.cpuWeight + Math.max(overMem, 0) * sizer.memWeight;
    if (hosts.length === NEAR_HOSTS && gap >= (gaps[NEAR_HOSTS - 1] as number)) continue;
    let j = hosts.length === NEAR_HOSTS ? NEAR_HOSTS - 1 : hosts.length;
    // Stable: a later host with an equal gap goes after the earlier ones, as a stable sort would.
    while (j > 0 && (gaps[j - 1] as number) > gap) {
      gaps[j] = gaps[j - 1] as number;
      hosts[j] = hosts[j - 1] as number;
      j--;
    }
    gaps[j] = gap;
    hosts[j] = h;
  }
  return hosts;
}

/** A host where moving one workload y to another host (where y fits as is) lets w in. */
function shiftRoom(packing: Packing, w: number, near: number[], kept: Int32Array, sizer: Sizer): Room | null {
  const { fleet } = packing;
  const candidates: { h: number; y: number; cost: number }[] = [];
  for (const h of near) {
    const [needCpu, needMem] = shortfall(packing, w, h);
    const mate = packing.groupMateOn(w, h);
    for (const y of packing.membersOf(h)) {
      if (fleet.pinned[y] || (mate >= 0 && y !== mate)) continue;
      if (at(fleet.cpu, y) + EPSILON < needCpu || at(fleet.mem, y) + EPSILON < needMem) continue;
      // Moving a workload that already moves costs nothing; small ones find a new host easily.
      const cost =
        (isHome(packing, y) ? 1 : 0) + (at(fleet.cpu, y) * sizer.cpuWeight + at(fleet.mem, y) * sizer.memWeight) * 1e-3;
      candidates.push({ h, y, cost });
    }
  }
  candidates.sort((a, b) => a.cost - b.cost);
  for (const { h, y, cost } of candidates.slice(0, SHIFT_TRIES)) {
    const to = packing.bestHost(y, kept, sizer, h);
    if (to >= 0) return { host: h, evict: [y], shiftTo: to, cost };
  }
  return null;
}

/** The cheapest kept host where moving out a few smaller workloads lets w in. */
function evictRoom(packing: Packing, w: number, near: number[], sizer: Sizer, size: Float64Array): Room | null {
  let best: Room | null = null;
  for (const h of near) {
    const room = roomOn(packing, w, h, sizer, size);
    if (room && (best === null || room.cost < best.cost)) best = room;
  }
  return best;
}

const MAX_EVICTIONS = 64;

function roomOn(packing: Packing, w: number, h: number, sizer: Sizer, size: Float64Array): Room | null {
  const { fleet } = packing;
  const limit = at(size, w);
  const movable = (y: number) => !fleet.pinned[y] && at(size, y) < limit;
  const evict: number[] = [];
  const mate = packing.groupMateOn(w, h);
  if (mate >= 0) {
    if (!movable(mate)) return null;
    evict.push(mate);
  }
  let needCpu = at(packing.loadCpu, h) + at(fleet.cpu, w) - at(fleet.usableCpu, h);
  let needMem = at(packing.loadMem, h) + at(fleet.mem, w) - at(fleet.usableMem, h);
  for (const y of evict) {
    needCpu -= at(fleet.cpu, y);
    needMem -= at(fleet.mem, y);
  }
  while (needCpu > EPSILON || needMem > EPSILON) {
    if (evict.length >= MAX_EVICTIONS) return null;
    const y = pickEviction(packing, h, needCpu, needMem, sizer, (m) => movable(m) && !evict.includes(m));
    if (y < 0) return null;
    evict.push(y);
    needCpu -= at(fleet.cpu, y);
    needMem -= at(fleet.mem, y);
  }
  return { host: h, evict, shiftTo: -1, cost: evictionCost(packing, evict, size, limit) };
}

/** A member that alone covers the shortfall (the cheapest), else the one covering most of it. */
function pickEviction(
  packing: Packing,
  h: number,
  needCpu: number,
  needMem: number,
  sizer: Sizer,
  allowed: (y: number) => boolean,
): number {
  const { fleet } = packing;
  let enough = -1;
  let enoughCost = Number.POSITIVE_INFINITY;
  let most = -1;
  let mostCover = 0;
  for (const y of packing.membersOf(h)) {
    if (!allowed(y)) continue;
    const cpu = at(fleet.cpu, y);
    const mem = at(fleet.mem, y);
    if (cpu + EPSILON >= needCpu && mem + EPSILON >= needMem) {
      const cost = (isHome(packing, y) ? 1e6 : 0) + cpu * sizer.cpuWeight + mem * sizer.memWeight;
      if (cost < enoughCost) [enough, enoughCost] = [y, cost];
    }
    const cover =
      Math.min(cpu, Math.max(needCpu, 0)) * sizer.cpuWeight + Math.min(mem, Math.max(needMem, 0)) * sizer.memWeight;
    if (cover > mostCover) [most, mostCover] = [y, cover];
  }
  return enough >= 0 ? enough : most;
}

function isHome(packing: Packing, y: number): boolean {
  return at(packing.host, y) === at(packing.fleet.home, y);
}

/** Moving a workload that would otherwise stay costs a migration; the rest is tie-breaking. */
function evictionCost(packing: Packing, evict: number[], size: Float64Array, limit: number): number {
  let cost = 0;
  for (const y of evict) cost += (isHome(packing, y) ? 1000 : 0) + 10 + at(size, y) / limit;
  return cost;
}
