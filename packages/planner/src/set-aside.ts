// Hosts that are over their usable capacity before any plan, with pinned workloads alone: no
// plan can bring them under (the pinned workloads may not move), but that overload is the
// fleet's present state, not something a plan would cause. Such a host is set aside with a
// warning instead of making every plan impossible: its pinned workloads stay, its movable ones
// leave (which only lowers the overload), nothing moves onto it, and the rest is planned as usual.
import { formatAmount as fmt } from "./plan-error.js";
import type { Move, PlanInput } from "./schema.js";

const TOLERANCE = 1e-6;

export interface SetAsideHost {
  id: string;
  /** Its pinned workloads, which stay where they are. */
  pinned: string[];
  /** "17.68 of 12.8 usable cores": the first resource over. */
  overage: string;
}

/** The overloaded-by-pinned hosts of `input` (hosts in maintenance are not: that stays an error). */
export function findSetAsideHosts(input: PlanInput): SetAsideHost[] {
  const load = new Map<string, { cpu: number; mem: number; pinned: string[] }>();
  for (const w of input.workloads) {
    if (!w.pinned) continue;
    const l = load.get(w.host) ?? { cpu: 0, mem: 0, pinned: [] };
    l.cpu += w.cpu;
    l.mem += w.memoryMb;
    l.pinned.push(w.id);
    load.set(w.host, l);
  }
  const result: SetAsideHost[] = [];
  for (const h of input.hosts) {
    const l = load.get(h.id);
    if (!l || h.maintenance) continue;
    const capCpu = h.cpu * input.policy.cpuHeadroom;
    const capMem = h.memoryMb * input.policy.memoryHeadroom;
    if (l.cpu > capCpu + TOLERANCE)
      result.push({ id: h.id, pinned: l.pinned, overage: `${fmt(l.cpu)} of ${fmt(capCpu)} usable cores` });
    else if (l.mem > capMem + TOLERANCE)
      result.push({ id: h.id, pinned: l.pinned, overage: `${fmt(l.mem)} of ${fmt(capMem)} usable MB of memory` });
  }
  return result;
}

/**
 * The input the packer sees: set-aside hosts behave as hosts in maintenance (they receive
 * nothing and their movable workloads leave) and their pinned workloads are left out.
 */
export function withoutSetAside(input: PlanInput, aside: readonly SetAsideHost[]): PlanInput {
  if (aside.length === 0) return input;
  const ids = new Set(aside.map((a) => a.id));
  return {
    ...input,
    hosts: input.hosts.map((h) => (ids.has(h.id) ? { ...h, maintenance: true } : h)),
    workloads: input.workloads.filter((w) => !(w.pinned && ids.has(w.host))),
  };
}

export function setAsideWarning(a: SetAsideHost): string {
  return `host ${a.id} is already over its usable capacity with pinned workloads alone (${a.overage}): it is left out of packing, its pinned workloads stay and nothing moves onto it`;
}

/** Moves off a set-aside host say why, rather than "in maintenance" (which it is not). */
export function setAsideReason(move: Move, aside: readonly SetAsideHost[]): Move {
  const a = aside.find((x) => x.id === move.from);
  if (!a || move.reason !== `host ${a.id} in maintenance`) return move;
  return { ...move, reason: `host ${a.id} over its usable capacity with pinned workloads (${a.overage})` };
}
