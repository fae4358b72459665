// Which workloads could stay where they are if their host is kept. Leaving workloads in
// place is what keeps migrations low, so this decides both the hosts to keep and the moves.
import { at, EPSILON, type Fleet } from "./fleet.js";
import { formatAmount as fmt } from "./plan-error.js";

export interface StayAnalysis {
  /** Why a workload must leave its host even when that host is kept; null when it can stay. */
  readonly leaveReason: (string | null)[];
  /** Workloads that can stay on each host if it is kept (0 for hosts in maintenance). */
  readonly stayable: Int32Array;
  /** Load of those workloads, as a fraction of the host's usable capacity (max of cpu, memory). */
  readonly stayLoad: Float64Array;
}

export function analyseStays(fleet: Fleet): StayAnalysis {
  const leaveReason: (string | null)[] = new Array(fleet.workloadCount).fill(null);
  const stayable = new Int32Array(fleet.hostCount);
  const stayLoad = new Float64Array(fleet.hostCount);
  for (let h = 0; h < fleet.hostCount; h++) {
    const residents = fleet.residents[h] ?? [];
    if (fleet.maintenance[h]) {
      for (const w of residents) leaveReason[w] = `host ${fleet.hostIds[h]} in maintenance`;
      continue;
    }
    const staying = evictGroupMates(fleet, residents, leaveReason);
    const kept = evictOverload(fleet, h, staying, leaveReason);
    stayable[h] = kept.length;
    let cpu = 0;
    let mem = 0;
    for (const w of kept) {
      cpu += at(fleet.cpu, w);
      mem += at(fleet.mem, w);
    }
    stayLoad[h] = Math.max(cpu / at(fleet.usableCpu, h), mem / at(fleet.usableMem, h));
  }
  return { leaveReason, stayable, stayLoad };
}

/** One member per anti-affinity group stays: the pinned one, else the largest (cheapest not to move). */
function evictGroupMates(fleet: Fleet, residents: readonly number[], leaveReason: (string | null)[]): number[] {
  const keeper = new Map<number, number>();
  for (const w of residents) {
    const g = at(fleet.group, w);
    if (g < 0) continue;
    const current = keeper.get(g);
    if (current === undefined || rankKeeper(fleet, w) > rankKeeper(fleet, current)) keeper.set(g, w);
  }
  return residents.filter((w) => {
    const g = at(fleet.group, w);
    const k = g < 0 ? w : (keeper.get(g) ?? w);
    if (k === w) return true;
    leaveReason[w] = `anti-affinity with ${fleet.workloadIds[k]}`;
    return false;
  });
}

function rankKeeper(fleet: Fleet, w: number): number {
  return at(fleet.pinned, w) * 1e15 + at(fleet.mem, w) + at(fleet.cpu, w) * 1e-6;
}

/**
 * A host above its usable capacity sheds its largest movable workloads in the resource most
 * over until it fits: the fewest moves that bring it back, in the common case.
 */
function evictOverload(fleet: Fleet, h: number, staying: number[], leaveReason: (string | null)[]): number[] {
  const capCpu = at(fleet.usableCpu, h);
  const capMem = at(fleet.usableMem, h);
  let cpu = 0;
  let mem = 0;
  for (const w of staying) {
    cpu += at(fleet.cpu, w);
    mem += at(fleet.mem, w);
  }
  if (cpu <= capCpu + EPSILON && mem <= capMem + EPSILON) return staying;
  const reason =
    cpu / capCpu >= mem / capMem
      ? `host ${fleet.hostIds[h]} over its usable capacity (${fmt(cpu)} of ${fmt(capCpu)} cores)`
      : `host ${fleet.hostIds[h]} over its usable capacity (${fmt(mem)} of ${fmt(capMem)} MB memory)`;
  const movable = new Set(staying.filter((w) => !fleet.pinned[w]));
  while ((cpu > capCpu + EPSILON || mem > capMem + EPSILON) && movable.size > 0) {
    const pick = pickToShed(fleet, movable, h, cpu - capCpu, mem - capMem);
    movable.delete(pick);
    leaveReason[pick] = reason;
    cpu -= at(fleet.cpu, pick);
    mem -= at(fleet.mem, pick);
  }
  return staying.filter((w) => leaveReason[w] === null);
}

/** The smallest workload that alone ends the overage, else the largest in the resource most over. */
function pickToShed(fleet: Fleet, movable: Set<number>, h: number, overCpu: number, overMem: number): number {
  const capCpu = at(fleet.usableCpu, h);
  const capMem = at(fleet.usableMem, h);
  const size = (w: number) => at(fleet.cpu, w) / capCpu + at(fleet.mem, w) / capMem;
  let smallestEnough = -1;
  for (const w of movable) {
    if (at(fleet.cpu, w) + EPSILON < overCpu || at(fleet.mem, w) + EPSILON < overMem) continue;
    if (smallestEnough < 0 || size(w) < size(smallestEnough)) smallestEnough = w;
  }
  if (smallestEnough >= 0) return smallestEnough;
  const demand = overCpu / capCpu >= overMem / capMem ? fleet.cpu : fleet.mem;
  let largest = -1;
  for (const w of movable) if (largest < 0 || at(demand, w) > at(demand, largest)) largest = w;
  return largest;
}
