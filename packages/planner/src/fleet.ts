// The validated input turned into flat arrays indexed by host and workload number: the
// packing loops touch these millions of times, so no maps or objects on the hot path.
import { PlanError } from "./plan-error.js";
import type { PlanInput } from "./schema.js";

/** Capacities and demands are compared with this slack so float sums (0.1 + 0.2) never fail a fit. */
export const EPSILON = 1e-6;

export interface Fleet {
  readonly input: PlanInput;
  readonly hostCount: number;
  readonly workloadCount: number;
  readonly hostIds: readonly string[];
  readonly usableCpu: Float64Array;
  readonly usableMem: Float64Array;
  readonly fullCpu: Float64Array;
  readonly fullMem: Float64Array;
  readonly maintenance: Uint8Array;
  readonly workloadIds: readonly string[];
  readonly cpu: Float64Array;
  readonly mem: Float64Array;
  /** Current host index of each workload. */
  readonly home: Int32Array;
  readonly pinned: Uint8Array;
  /** Anti-affinity group index of each workload, -1 for none. */
  readonly group: Int32Array;
  readonly groupNames: readonly string[];
  /** Workload indices per current host. */
  readonly residents: readonly (readonly number[])[];
}

export function buildFleet(input: PlanInput): Fleet {
  const { hosts, workloads, policy } = input;
  const hostIndex = indexIds(
    hosts.map((h) => h.id),
    "host",
  );
  indexIds(
    workloads.map((w) => w.id),
    "workload",
  );
  const groupIndex = new Map<string, number>();
  const residents: number[][] = hosts.map(() => []);
  const home = new Int32Array(workloads.length);
  const group = new Int32Array(workloads.length);
  workloads.forEach((w, i) => {
    const h = hostIndex.get(w.host);
    if (h === undefined) throw new PlanError("invalid_input", `workload ${w.id} is on unknown host ${w.host}`);
    home[i] = h;
    residents[h]?.push(i);
    group[i] = w.antiAffinity === null ? -1 : indexOf(groupIndex, w.antiAffinity);
  });
  return {
    input,
    hostCount: hosts.length,
    workloadCount: workloads.length,
    hostIds: hosts.map((h) => h.id),
    usableCpu: Float64Array.from(hosts, (h) => h.cpu * policy.cpuHeadroom),
    usableMem: Float64Array.from(hosts, (h) => h.memoryMb * policy.memoryHeadroom),
    fullCpu: Float64Array.from(hosts, (h) => h.cpu),
    fullMem: Float64Array.from(hosts, (h) => h.memoryMb),
    maintenance: Uint8Array.from(hosts, (h) => (h.maintenance ? 1 : 0)),
    workloadIds: workloads.map((w) => w.id),
    cpu: Float64Array.from(workloads, (w) => w.cpu),
    mem: Float64Array.from(workloads, (w) => w.memoryMb),
    home,
    pinned: Uint8Array.from(workloads, (w) => (w.pinned ? 1 : 0)),
    group,
    groupNames: [...groupIndex.keys()],
    residents,
  };
}

function indexIds(ids: readonly string[], what: string): Map<string, number> {
  const index = new Map<string, number>();
  ids.forEach((id, i) => {
    if (index.has(id)) throw new PlanError("invalid_input", `duplicate ${what} id ${id}`);
    index.set(id, i);
  });
  return index;
}

function indexOf(index: Map<string, number>, key: string): number {
  let i = index.get(key);
  if (i === undefined) {
    i = index.size;
    index.set(key, i);
  }
  return i;
}

/** Hosts that may hold workloads at the end of the plan. */
export function usableHosts(fleet: Fleet): number[] {
  const out: number[] = [];
  for (let h = 0; h < fleet.hostCount; h++) if (!fleet.maintenance[h]) out.push(h);
  return out;
}

/** Hosts that hold a pinned workload: every plan keeps them. */
export function pinnedHosts(fleet: Fleet): number[] {
  const seen = new Uint8Array(fleet.hostCount);
  for (let w = 0; w < fleet.workloadCount; w++) if (fleet.pinned[w]) seen[fleet.home[w] ?? 0] = 1;
  const out: number[] = [];
  for (let h = 0; h < fleet.hostCount; h++) if (seen[h]) out.push(h);
  return out;
}

/** Whether a workload alone fits a host's usable capacity. */
export function fitsEmpty(fleet: Fleet, w: number, h: number): boolean {
  return at(fleet.cpu, w) <= at(fleet.usableCpu, h) + EPSILON && at(fleet.mem, w) <= at(fleet.usableMem, h) + EPSILON;
}

/** Typed-array read for indices the caller knows are in range (noUncheckedIndexedAccess). */
export function at(array: Float64Array | Int32Array | Uint8Array, i: number): number {
  return array[i] as number;
}
