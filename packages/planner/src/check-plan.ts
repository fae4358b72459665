// An independent check of a plan against its input, written without the planner's data
// structures: the tests use it as the oracle, and an executor can re-check a stored plan.
import type { Plan, PlanInput, Workload } from "./schema.js";
import { findSetAsideHosts } from "./set-aside.js";

const TOLERANCE = 1e-6;

interface Usage {
  cpu: number;
  mem: number;
}

/** Every broken constraint as a readable sentence; an empty list means the plan is valid. */
export function checkPlan(input: PlanInput, plan: Plan): string[] {
  const problems: string[] = [];
  checkPlacement(input, plan, problems);
  problems.push(...checkMoveOrder(input, plan.placement, plan.moves));
  checkFigures(input, plan, problems);
  return problems;
}

function checkPlacement(input: PlanInput, plan: Plan, problems: string[]): void {
  const hosts = new Map(input.hosts.map((h) => [h.id, h]));
  const usage = new Map<string, Usage>();
  const groups = new Map<string, string>();
  for (const w of input.workloads) {
    const to = Object.hasOwn(plan.placement, w.id) ? plan.placement[w.id] : undefined;
    const host = to === undefined ? undefined : hosts.get(to);
    if (to === undefined || host === undefined) {
      problems.push(`workload ${w.id} is not placed on a known host`);
      continue;
    }
    if (w.pinned && to !== w.host) problems.push(`pinned workload ${w.id} moves from ${w.host} to ${to}`);
    if (host.maintenance) problems.push(`workload ${w.id} ends on maintenance host ${to}`);
    if (w.antiAffinity !== null) {
      const key = `${w.antiAffinity}\u0000${to}`;
      const other = groups.get(key);
      if (other !== undefined) problems.push(`${other} and ${w.id} (group ${w.antiAffinity}) share host ${to}`);
      groups.set(key, w.id);
    }
    add(usage, to, w, 1);
  }
  if (Object.keys(plan.placement).length !== input.workloads.length) problems.push("placement has unknown workloads");
  // A host over usable capacity with pinned workloads alone before the plan may stay so, holding only them.
  const setAside = new Set(findSetAsideHosts(input).map((a) => a.id));
  for (const w of input.workloads) {
    const to = plan.placement[w.id];
    if (to !== undefined && setAside.has(to) && !w.pinned)
      problems.push(`workload ${w.id} ends on ${to}, which is over capacity with pinned workloads alone`);
  }
  for (const h of input.hosts) {
    const u = usage.get(h.id) ?? { cpu: 0, mem: 0 };
    if (setAside.has(h.id)) continue;
    if (
      u.cpu > h.cpu * input.policy.cpuHeadroom + TOLERANCE ||
      u.mem > h.memoryMb * input.policy.memoryHeadroom + TOLERANCE
    ) {
      problems.push(`host ${h.id} ends above its usable capacity (${u.cpu} cores, ${u.mem} MB)`);
    }
  }
}

function add(usage: Map<string, Usage>, host: string, w: Workload, sign: number): void {
  const u = usage.get(host) ?? { cpu: 0, mem: 0 };
  u.cpu += sign * w.cpu;
  u.mem += sign * w.memoryMb;
  usage.set(host, u);
}

/**
 * Replays the moves step by step. During a step every moving workload counts on both its
 * source and its target, so a host receiving moves must hold its load plus everything
 * arriving within its full capacity. Hosts receiving nothing only lose load.
 */
export function checkMoveOrder(input: PlanInput, placement: Plan["placement"], moves: Plan["moves"]): string[] {
  const problems: string[] = [];
  const workloads = new Map(input.workloads.map((w) => [w.id, w]));
  const hosts = new Map(input.hosts.map((h) => [h.id, h]));
  const location = new Map(input.workloads.map((w) => [w.id, w.host]));
  const usage = new Map<string, Usage>();
  const setAside = new Set(findSetAsideHosts(input).map((a) => a.id));
  for (const w of input.workloads) add(usage, w.host, w, 1);
  if (moves.some((m, i) => i > 0 && m.step < (moves[i - 1]?.step ?? 0))) problems.push("moves are not in step order");
  const steps = [...new Set(moves.map((m) => m.step))].sort((a, b) => a - b);
  for (const step of steps) {
    const inStep = moves.filter((m) => m.step === step);
    const arriving = new Map<string, Usage>();
    const movedThisStep = new Set<string>();
    for (const m of inStep) {
      const w = workloads.get(m.workload);
      if (w === undefined || !hosts.has(m.to)) {
        problems.push(`step ${step}: move of ${m.workload} names an unknown workload or host`);
        continue;
      }
      if (location.get(w.id) !== m.from) problems.push(`step ${step}: ${w.id} is not on ${m.from}`);
      if (movedThisStep.has(w.id)) problems.push(`step ${step}: ${w.id} moves twice`);
      if (!m.reason.trim()) problems.push(`step ${step}: move of ${w.id} has no reason`);
      if (hosts.get(m.to)?.maintenance) problems.push(`step ${step}: ${w.id} moves onto maintenance host ${m.to}`);
      if (setAside.has(m.to)) problems.push(`step ${step}: ${w.id} moves onto over-capacity host ${m.to}`);
      movedThisStep.add(w.id);
      add(arriving, m.to, w, 1);
    }
    for (const [hostId, incoming] of arriving) {
      const h = hosts.get(hostId);
      const u = usage.get(hostId) ?? { cpu: 0, mem: 0 };
      if (h && (u.cpu + incoming.cpu > h.cpu + TOLERANCE || u.mem + incoming.mem > h.memoryMb + TOLERANCE)) {
        problems.push(`step ${step}: host ${hostId} exceeds its full capacity while moves arrive`);
      }
    }
    for (const m of inStep) {
      const w = workloads.get(m.workload);
      if (w === undefined || !hosts.has(m.to)) continue;
      add(usage, m.from, w, -1);
      add(usage, m.to, w, 1);
      location.set(w.id, m.to);
    }
  }
  for (const [id, host] of location) {
    if (placement[id] !== host) problems.push(`after the moves ${id} is on ${host}, not on its placement`);
  }
  return problems;
}

function checkFigures(input: PlanInput, plan: Plan, problems: string[]): void {
  const before = new Set(input.workloads.map((w) => w.host)).size;
  const after = new Set(Object.values(plan.placement)).size;
  const { figures } = plan;
  if (figures.hostsBefore !== before) problems.push(`hostsBefore is ${figures.hostsBefore}, not ${before}`);
  if (figures.hostsAfter !== after) problems.push(`hostsAfter is ${figures.hostsAfter}, not ${after}`);
  if (figures.migrations !== plan.moves.length) problems.push("migrations differs from the number of moves");
  if (figures.lowerBound > after) problems.push(`lowerBound ${figures.lowerBound} is above hostsAfter ${after}`);
}
