// Rejects input that no plan can satisfy, naming the cause, before any packing is tried:
// an operator should read "pinned workload w1 is on maintenance host h2", not "no plan".
import { at, EPSILON, type Fleet, fitsEmpty, usableHosts } from "./fleet.js";
import { formatAmount as fmt, PlanError } from "./plan-error.js";

export function checkFeasibility(fleet: Fleet): void {
  if (fleet.workloadCount === 0) return;
  const hosts = usableHosts(fleet);
  if (hosts.length === 0) {
    throw new PlanError("insufficient_capacity", `no usable hosts: all ${fleet.hostCount} hosts are in maintenance`);
  }
  checkPinned(fleet);
  checkWorkloadSizes(fleet, hosts);
  checkTotals(fleet, hosts);
  checkAntiAffinity(fleet, hosts);
}

function checkPinned(fleet: Fleet): void {
  const cpu = new Float64Array(fleet.hostCount);
  const mem = new Float64Array(fleet.hostCount);
  const groupsSeen = new Map<number, number>();
  for (let w = 0; w < fleet.workloadCount; w++) {
    if (!fleet.pinned[w]) continue;
    const h = at(fleet.home, w);
    const id = fleet.workloadIds[w];
    const hostId = fleet.hostIds[h];
    if (fleet.maintenance[h]) {
      throw new PlanError("pinned_on_maintenance", `pinned workload ${id} is on maintenance host ${hostId}`);
    }
    const g = at(fleet.group, w);
    const key = g * fleet.hostCount + h;
    const other = groupsSeen.get(key);
    if (g >= 0 && other !== undefined) {
      throw new PlanError(
        "pinned_anti_affinity_conflict",
        `pinned workloads ${fleet.workloadIds[other]} and ${id} share host ${hostId} but are both in anti-affinity group ${fleet.groupNames[g]}`,
      );
    }
    if (g >= 0) groupsSeen.set(key, w);
    cpu[h] = at(cpu, h) + at(fleet.cpu, w);
    mem[h] = at(mem, h) + at(fleet.mem, w);
  }
  for (let h = 0; h < fleet.hostCount; h++) {
    const over = describeOverage(at(cpu, h), at(mem, h), at(fleet.usableCpu, h), at(fleet.usableMem, h));
    if (over) {
      throw new PlanError("pinned_over_capacity", `pinned workloads on ${fleet.hostIds[h]} need ${over}`);
    }
  }
}

/** "40 cores but its usable capacity is 38.4" for the first resource over, or null. */
function describeOverage(cpu: number, mem: number, capCpu: number, capMem: number): string | null {
  if (cpu > capCpu + EPSILON) return `${fmt(cpu)} cores but its usable capacity is ${fmt(capCpu)}`;
  if (mem > capMem + EPSILON) return `${fmt(mem)} MB of memory but its usable capacity is ${fmt(capMem)} MB`;
  return null;
}

function checkWorkloadSizes(fleet: Fleet, hosts: readonly number[]): void {
  let maxCpu = 0;
  let maxMem = 0;
  for (const h of hosts) {
    maxCpu = Math.max(maxCpu, at(fleet.usableCpu, h));
    maxMem = Math.max(maxMem, at(fleet.usableMem, h));
  }
  for (let w = 0; w < fleet.workloadCount; w++) {
    if (fleet.pinned[w]) continue; // checked against its own host
    const id = fleet.workloadIds[w];
    const cpu = at(fleet.cpu, w);
    const mem = at(fleet.mem, w);
    if (cpu > maxCpu + EPSILON) {
      throw new PlanError(
        "workload_too_large",
        `workload ${id} needs ${fmt(cpu)} cores but the largest usable host has ${fmt(maxCpu)}`,
      );
    }
    if (mem > maxMem + EPSILON) {
      throw new PlanError(
        "workload_too_large",
        `workload ${id} needs ${fmt(mem)} MB of memory but the largest usable host has ${fmt(maxMem)} MB`,
      );
    }
    if (!hosts.some((h) => fitsEmpty(fleet, w, h))) {
      throw new PlanError(
        "workload_too_large",
        `workload ${id} needs ${fmt(cpu)} cores and ${fmt(mem)} MB together, which no usable host has`,
      );
    }
  }
}

function checkTotals(fleet: Fleet, hosts: readonly number[]): void {
  const needCpu = fleet.cpu.reduce((a, b) => a + b, 0);
  const needMem = fleet.mem.reduce((a, b) => a + b, 0);
  const haveCpu = sumAt(fleet.usableCpu, hosts);
  const haveMem = sumAt(fleet.usableMem, hosts);
  const usable = `the ${hosts.length} usable hosts offer`;
  if (needCpu > haveCpu + EPSILON) {
    throw new PlanError(
      "insufficient_capacity",
      `the workloads need ${fmt(needCpu)} cores but ${usable} ${fmt(haveCpu)} after headroom`,
    );
  }
  if (needMem > haveMem + EPSILON) {
    throw new PlanError(
      "insufficient_capacity",
      `the workloads need ${fmt(needMem)} MB of memory but ${usable} ${fmt(haveMem)} MB after headroom`,
    );
  }
}

function sumAt(values: Float64Array, indices: readonly number[]): number {
  let sum = 0;
  for (const i of indices) sum += at(values, i);
  return sum;
}

/** A group needs as many distinct hosts as it has members, each able to hold one of them. */
function checkAntiAffinity(fleet: Fleet, hosts: readonly number[]): void {
  const members = groupMembers(fleet);
  members.forEach((group, g) => {
    if (group.length <= 1) return;
    let fitting = 0;
    for (const h of hosts) if (group.some((w) => fitsEmpty(fleet, w, h))) fitting++;
    if (fitting < group.length) {
      throw new PlanError(
        "anti_affinity_unsatisfiable",
        `anti-affinity group ${fleet.groupNames[g]} has ${group.length} members but only ${fitting} hosts are usable`,
      );
    }
  });
}

export function groupMembers(fleet: Fleet): number[][] {
  const members: number[][] = fleet.groupNames.map(() => []);
  for (let w = 0; w < fleet.workloadCount; w++) {
    const g = at(fleet.group, w);
    if (g >= 0) members[g]?.push(w);
  }
  return members;
}
