// The mutable state of one packing attempt: which workload sits where, the load of each
// host and which anti-affinity groups each host already holds.
import { at, EPSILON, type Fleet } from "./fleet.js";

/** Demand in one number: each resource per unit, weighted by how scarce it is on the kept hosts. */
export interface Sizer {
  readonly cpuWeight: number;
  readonly memWeight: number;
}

export class Packing {
  /** Host index per workload, -1 while unplaced. */
  readonly host: Int32Array;
  readonly loadCpu: Float64Array;
  readonly loadMem: Float64Array;
  readonly members: number[][];
  private readonly slot: Int32Array;
  /** Keys group * hostCount + host of the groups present on each host. */
  private readonly groupsOnHosts = new Set<number>();

  constructor(readonly fleet: Fleet) {
    this.host = new Int32Array(fleet.workloadCount).fill(-1);
    this.slot = new Int32Array(fleet.workloadCount).fill(-1);
    this.loadCpu = new Float64Array(fleet.hostCount);
    this.loadMem = new Float64Array(fleet.hostCount);
    this.members = Array.from({ length: fleet.hostCount }, () => []);
  }

  /** An independent copy, for a search that may give up and keep the original. */
  clone(): Packing {
    const copy = new Packing(this.fleet);
    copy.host.set(this.host);
    copy.slot.set(this.slot);
    copy.loadCpu.set(this.loadCpu);
    copy.loadMem.set(this.loadMem);
    this.members.forEach((list, h) => {
      copy.members[h] = [...list];
    });
    for (const key of this.groupsOnHosts) copy.groupsOnHosts.add(key);
    return copy;
  }

  place(w: number, h: number): void {
    const { fleet } = this;
    this.host[w] = h;
    this.loadCpu[h] = at(this.loadCpu, h) + at(fleet.cpu, w);
    this.loadMem[h] = at(this.loadMem, h) + at(fleet.mem, w);
    const list = this.membersOf(h);
    this.slot[w] = list.length;
    list.push(w);
    const g = at(fleet.group, w);
    if (g >= 0) this.groupsOnHosts.add(g * fleet.hostCount + h);
  }

  remove(w: number): void {
    const { fleet } = this;
    const h = at(this.host, w);
    this.host[w] = -1;
    this.loadCpu[h] = at(this.loadCpu, h) - at(fleet.cpu, w);
    this.loadMem[h] = at(this.loadMem, h) - at(fleet.mem, w);
    // Swap-remove keeps removal O(1); member order carries no meaning.
    const list = this.membersOf(h);
    const i = at(this.slot, w);
    const last = list.pop() as number;
    if (last !== w) {
      list[i] = last;
      this.slot[last] = i;
    }
    this.slot[w] = -1;
    const g = at(fleet.group, w);
    if (g >= 0) this.groupsOnHosts.delete(g * fleet.hostCount + h);
  }

  membersOf(h: number): number[] {
    return this.members[h] as number[];
  }

  hasGroup(g: number, h: number): boolean {
    return g >= 0 && this.groupsOnHosts.has(g * this.fleet.hostCount + h);
  }

  /** Whether workload w fits host h's usable capacity and anti-affinity right now. */
  fits(w: number, h: number): boolean {
    const { fleet } = this;
    return (
      at(this.loadCpu, h) + at(fleet.cpu, w) <= at(fleet.usableCpu, h) + EPSILON &&
      at(this.loadMem, h) + at(fleet.mem, w) <= at(fleet.usableMem, h) + EPSILON &&
      !this.hasGroup(at(fleet.group, w), h)
    );
  }

  /** The member of w's anti-affinity group on host h, or -1. */
  groupMateOn(w: number, h: number): number {
    const g = at(this.fleet.group, w);
    if (!this.hasGroup(g, h)) return -1;
    return this.membersOf(h).find((m) => at(this.fleet.group, m) === g) ?? -1;
  }

  /**
   * The host among `hosts` (but not `except`) that w fits most tightly, by weighted leftover
   * capacity; -1 if none. The hottest loop of the planner, hence the plain indexing.
   */
  bestHost(w: number, hosts: Int32Array, sizer: Sizer, except = -1): number {
    const { usableCpu, usableMem } = this.fleet;
    const { loadCpu, loadMem } = this;
    const cpu = this.fleet.cpu[w] as number;
    const mem = this.fleet.mem[w] as number;
    const g = this.fleet.group[w] as number;
    const { cpuWeight, memWeight } = sizer;
    let best = -1;
    let bestScore = Number.POSITIVE_INFINITY;
    for (let i = 0; i < hosts.length; i++) {
      const h = hosts[i] as number;
      const leftCpu = (usableCpu[h] as number) - (loadCpu[h] as number) - cpu;
      if (leftCpu < -EPSILON) continue;
      const leftMem = (usableMem[h] as number) - (loadMem[h] as number) - mem;
      if (leftMem < -EPSILON) continue;
      const score = leftCpu * cpuWeight + leftMem * memWeight;
      if (score < bestScore && h !== except && !this.hasGroup(g, h)) {
        best = h;
        bestScore = score;
      }
    }
    return best;
  }
}
