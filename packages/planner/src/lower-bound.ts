// A number of hosts that no valid final placement can go below. The planner starts its
// search there, and the figures report it so an operator can see how close the plan is.
import { at, EPSILON, type Fleet, pinnedHosts, usableHosts } from "./fleet.js";

/**
 * The largest of these bounds, each valid on its own:
 * - capacity, per resource: hosts holding pinned workloads are always kept, so count them,
 *   then add the other usable hosts largest-first until their usable capacity covers the
 *   total demand (no set of that many hosts has more capacity);
 * - Martello and Toth's L2, per resource: relax every host to the largest usable capacity C
 *   (any real placement is then still valid); for each threshold a <= C/2, workloads above
 *   C - a cannot share with any workload of at least a, those above C/2 need a host each,
 *   and the workloads between a and C/2 need whatever those hosts leave, in hosts of C;
 * - both use the capacity a host can actually fill: when every demand of a resource is a
 *   whole number of some grain (1 MB, 0.01 core), what a host holds is too, so its usable
 *   capacity rounds down to the grain (117,964.8 MB holds at most 117,964 MB of whole-MB
 *   workloads) — on fleets whose demand fills k hosts to within a few MB this proves k + 1;
 * - anti-affinity: a group of n members needs n hosts;
 * - one host as soon as there is any workload.
 */
export function computeLowerBound(fleet: Fleet): number {
  if (fleet.workloadCount === 0) return 0;
  const hosts = usableHosts(fleet);
  const forced = pinnedHosts(fleet);
  const usableCpu = roundedDown(fleet.cpu, fleet.usableCpu);
  const usableMem = roundedDown(fleet.mem, fleet.usableMem);
  return Math.max(
    1,
    capacityBound(fleet.cpu, usableCpu, hosts, forced),
    capacityBound(fleet.mem, usableMem, hosts, forced),
    martelloTothBound(fleet.cpu, usableCpu, hosts),
    martelloTothBound(fleet.mem, usableMem, hosts),
    largestGroup(fleet),
  );
}

/** Grains tried, coarsest first; demand that is a whole number of none of them is left as is. */
const GRAINS = [1, 0.01];

/**
 * Usable capacities rounded down to the coarsest grain every demand is a whole multiple of.
 * A host's load is then a multiple too (up to float error), and the fit test (load <= usable + EPSILON) allows at
 * most floor((usable + EPSILON) / grain) grains. A hair of slack is added back for float sums.
 */
export function roundedDown(demand: Float64Array, usable: Float64Array): Float64Array {
  const off = 1e-9;
  const grain = GRAINS.find((g) => demand.every((d) => Math.abs(d / g - Math.round(d / g)) < off));
  if (grain === undefined) return usable;
  // Each demand may be off its grain by `off` grains (float decimals): the slack covers all of them.
  const slack = grain * (1e-6 + demand.length * off);
  return usable.map((u) => Math.max(0, Math.floor((u + EPSILON) / grain + 1e-6)) * grain + slack);
}

function capacityBound(demand: Float64Array, usable: Float64Array, hosts: number[], forced: number[]): number {
  let remaining = demand.reduce((a, b) => a + b, 0);
  const isForced = new Set(forced);
  for (const h of forced) remaining -= at(usable, h);
  const others = hosts
    .filter((h) => !isForced.has(h))
    .map((h) => at(usable, h))
    .sort((a, b) => b - a);
  let count = forced.length;
  // A relative tolerance keeps float sums from adding a host the demand does not need.
  const tolerance = 1e-9 * Math.max(1, remaining);
  for (const capacity of others) {
    if (remaining <= tolerance) break;
    remaining -= capacity;
    count++;
  }
  return count;
}

function martelloTothBound(demand: Float64Array, usable: Float64Array, hosts: number[]): number {
  let largest = 0;
  for (const h of hosts) largest = Math.max(largest, at(usable, h));
  // The fit tolerance makes every host a little larger; the bound must use the same size.
  const capacity = largest + EPSILON;
  const sizes = Float64Array.from(demand).sort();
  const prefix = new Float64Array(sizes.length + 1);
  sizes.forEach((size, i) => {
    prefix[i + 1] = at(prefix, i) + size;
  });
  const half = firstAbove(sizes, capacity / 2);
  let best = 0;
  // Thresholds a = 0, then each size up to C/2; J3 is sizes[i..half), all at least a.
  for (let i = 0; i === 0 || i < half; i++) {
    const a = i === 0 ? 0 : at(sizes, i);
    const upper = firstAbove(sizes, capacity - a);
    const j1 = sizes.length - upper;
    const j2 = Math.max(0, upper - half);
    const sumJ2 = at(prefix, upper) - at(prefix, half);
    const sumJ3 = at(prefix, half) - at(prefix, i);
    const spill = sumJ3 - (j2 * capacity - sumJ2);
    best = Math.max(best, j1 + j2 + Math.max(0, Math.ceil(spill / capacity - 1e-9)));
  }
  return best;
}

/** Index of the first size strictly above the limit in an ascending array. */
function firstAbove(sizes: Float64Array, limit: number): number {
  let lo = 0;
  let hi = sizes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (at(sizes, mid) > limit) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function largestGroup(fleet: Fleet): number {
  const sizes = new Int32Array(fleet.groupNames.length);
  let largest = 0;
  for (const g of fleet.group) {
    if (g < 0) continue;
    sizes[g] = at(sizes, g) + 1;
    largest = Math.max(largest, at(sizes, g));
  }
  return largest;
}
