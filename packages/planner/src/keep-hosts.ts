// Which k hosts to keep: as many workloads as possible should stay where they are, but the
// kept hosts must also have the capacity for every workload. Both the planner's choice and
// the minimum-migration estimate trade these off with one price, lambda, per unit of capacity.
import { at, type Fleet, pinnedHosts, usableHosts } from "./fleet.js";

export interface KeepProblem {
  readonly fleet: Fleet;
  /** Hosts every plan keeps (they hold pinned workloads). */
  readonly forced: readonly number[];
  /** The other usable hosts. */
  readonly optional: readonly number[];
  /** Workloads that can stay on each host if it is kept. */
  readonly stayers: ArrayLike<number>;
  readonly needCpu: number;
  readonly needMem: number;
  readonly avgCpu: number;
  readonly avgMem: number;
}

export function makeKeepProblem(fleet: Fleet, stayers: ArrayLike<number>): KeepProblem {
  const forced = pinnedHosts(fleet);
  const isForced = new Set(forced);
  const usable = usableHosts(fleet);
  const count = Math.max(usable.length, 1);
  return {
    fleet,
    forced,
    optional: usable.filter((h) => !isForced.has(h)),
    stayers,
    needCpu: fleet.cpu.reduce((a, b) => a + b, 0),
    needMem: fleet.mem.reduce((a, b) => a + b, 0),
    avgCpu: usable.reduce((s, h) => s + at(fleet.usableCpu, h), 0) / count,
    avgMem: usable.reduce((s, h) => s + at(fleet.usableMem, h), 0) / count,
  };
}

/** Capacity of a host in units of the average usable host, cpu and memory mixed by alpha. */
function capacityScore(problem: KeepProblem, alpha: number): (h: number) => number {
  const { fleet, avgCpu, avgMem } = problem;
  return (h) => (alpha * at(fleet.usableCpu, h)) / avgCpu + ((1 - alpha) * at(fleet.usableMem, h)) / avgMem;
}

function stayersOf(problem: KeepProblem, h: number): number {
  return problem.stayers[h] ?? 0;
}

/** The forced hosts plus the optional ones with the highest stayers + lambda * capacity. */
function pickHosts(problem: KeepProblem, k: number, lambda: number, score: (h: number) => number): number[] {
  const value = new Float64Array(problem.fleet.hostCount);
  for (const h of problem.optional) value[h] = stayersOf(problem, h) + lambda * score(h);
  const take = Math.max(0, k - problem.forced.length);
  const best = [...problem.optional].sort((a, b) => at(value, b) - at(value, a) || a - b).slice(0, take);
  return [...problem.forced, ...best];
}

function covers(problem: KeepProblem, kept: readonly number[], margin: number): boolean {
  let cpu = 0;
  let mem = 0;
  for (const h of kept) {
    cpu += at(problem.fleet.usableCpu, h);
    mem += at(problem.fleet.usableMem, h);
  }
  return cpu >= problem.needCpu * (1 + margin) && mem >= problem.needMem * (1 + margin);
}

/** Weighs cpu against memory by how much of each the workloads use of what the hosts offer. */
function scarcityMix(problem: KeepProblem): number {
  const cpu = problem.needCpu / problem.avgCpu;
  const mem = problem.needMem / problem.avgMem;
  return cpu + mem > 0 ? cpu / (cpu + mem) : 0.5;
}

/**
 * The k hosts to keep: the smallest lambda whose k hosts hold the total demand plus
 * `margin`, so capacity is bought with as few lost stayers as possible. When no lambda gets
 * there (the mix favours the wrong resource), the largest hosts by that mix.
 */
export function chooseKeptHosts(problem: KeepProblem, k: number, margin: number): number[] {
  const score = capacityScore(problem, scarcityMix(problem));
  const pick = (lambda: number) => pickHosts(problem, k, lambda, score);
  if (covers(problem, pick(0), margin)) return pick(0);
  let high = 1;
  while (!covers(problem, pick(high), margin) && high < 1e7) high *= 4;
  let low = 0;
  for (let i = 0; i < 30 && high - low > 1e-3 * high; i++) {
    const mid = (low + high) / 2;
    if (covers(problem, pick(mid), margin)) high = mid;
    else low = mid;
  }
  return pick(high);
}

const LAMBDAS = [0, ...Array.from({ length: 30 }, (_, i) => 0.01 * 1.5 ** i)];

/**
 * An upper bound on the workloads that can stay in place in any plan ending on k hosts.
 * Such a plan's kept hosts hold the demand, so for any lambda >= 0 its stayers are at most
 * sum(stayers + lambda * capacity) - lambda * demand over the best k hosts by that sum; the
 * smallest value over a grid of lambdas and cpu/memory mixes is therefore a bound.
 */
export function boundStayers(problem: KeepProblem, k: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (const alpha of [0, 0.25, 0.5, 0.75, 1]) {
    const score = capacityScore(problem, alpha);
    const demand = (alpha * problem.needCpu) / problem.avgCpu + ((1 - alpha) * problem.needMem) / problem.avgMem;
    for (const lambda of LAMBDAS) {
      const kept = pickHosts(problem, k, lambda, score);
      const value = kept.reduce((s, h) => s + stayersOf(problem, h) + lambda * score(h), 0);
      best = Math.min(best, value - lambda * demand);
    }
  }
  return best;
}
