// What the move scheduler tracks while it replays moves: each host's load, where each
// workload is, and the moves still to run.
import { at, EPSILON, type Fleet } from "./fleet.js";

export interface PendingMove {
  readonly w: number;
  from: number;
  readonly to: number;
  reason: string;
}

export interface Load {
  readonly cpu: Float64Array;
  readonly mem: Float64Array;
}

export function startingLoad(fleet: Fleet): Load {
  const cpu = new Float64Array(fleet.hostCount);
  const mem = new Float64Array(fleet.hostCount);
  for (let w = 0; w < fleet.workloadCount; w++) {
    const h = at(fleet.home, w);
    cpu[h] = at(cpu, h) + at(fleet.cpu, w);
    mem[h] = at(mem, h) + at(fleet.mem, w);
  }
  return { cpu, mem };
}

/** Whether host h, with `cpu` and `mem` more arriving, stays within its full capacity. */
export function hasRoom(fleet: Fleet, load: Load, h: number, cpu: number, mem: number): boolean {
  return (
    at(load.cpu, h) + cpu <= at(fleet.fullCpu, h) + EPSILON && at(load.mem, h) + mem <= at(fleet.fullMem, h) + EPSILON
  );
}

/** Moves (or, with sign -1, unmoves) a workload in the load tally. */
export function applyMove(fleet: Fleet, load: Load, m: PendingMove, sign = 1): void {
  const cpu = sign * at(fleet.cpu, m.w);
  const mem = sign * at(fleet.mem, m.w);
  load.cpu[m.from] = at(load.cpu, m.from) - cpu;
  load.mem[m.from] = at(load.mem, m.from) - mem;
  load.cpu[m.to] = at(load.cpu, m.to) + cpu;
  load.mem[m.to] = at(load.mem, m.to) + mem;
}

/** What is arriving at each host in one step; a move is added only if its target has room for it too. */
export function trackArrivals(fleet: Fleet, load: Load) {
  const cpuIn = new Map<number, number>();
  const memIn = new Map<number, number>();
  return {
    tryAdd(m: PendingMove): boolean {
      const cpu = (cpuIn.get(m.to) ?? 0) + at(fleet.cpu, m.w);
      const mem = (memIn.get(m.to) ?? 0) + at(fleet.mem, m.w);
      if (!hasRoom(fleet, load, m.to, cpu, mem)) return false;
      cpuIn.set(m.to, cpu);
      memIn.set(m.to, mem);
      return true;
    },
  };
}
