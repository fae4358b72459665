// Yardsticks for the planner's figures: first-fit decreasing (what a simple packer achieves
// from scratch) and the fewest migrations any plan ending on a given host count needs.
import { at, EPSILON, type Fleet, usableHosts } from "./fleet.js";
import { boundStayers, makeKeepProblem } from "./keep-hosts.js";
import { Packing } from "./packing.js";

export interface FirstFitResult {
  /** Host index per workload. */
  readonly host: Int32Array;
  readonly hostsUsed: number;
  /** Workloads not on their current host. */
  readonly migrations: number;
}

/**
 * First-fit decreasing over the usable hosts, ignoring the current placement except that
 * pinned workloads stay. Hosts holding pinned workloads come first (they are used anyway),
 * then the largest; workloads go largest first (by their larger share of the largest host).
 * Null when some workload fits nowhere.
 */
export function firstFitDecreasing(fleet: Fleet): FirstFitResult | null {
  const packing = new Packing(fleet);
  const pinnedFirst = new Uint8Array(fleet.hostCount);
  for (let w = 0; w < fleet.workloadCount; w++) if (fleet.pinned[w]) pinnedFirst[at(fleet.home, w)] = 1;
  const hosts = usableHosts(fleet).sort(
    (a, b) =>
      at(pinnedFirst, b) - at(pinnedFirst, a) ||
      at(fleet.usableCpu, b) - at(fleet.usableCpu, a) ||
      at(fleet.usableMem, b) - at(fleet.usableMem, a),
  );
  if (hosts.length === 0) return null;
  const maxCpu = Math.max(...hosts.map((h) => at(fleet.usableCpu, h)));
  const maxMem = Math.max(...hosts.map((h) => at(fleet.usableMem, h)));
  const size = (w: number) => Math.max(at(fleet.cpu, w) / maxCpu, at(fleet.mem, w) / maxMem);
  const order: number[] = [];
  for (let w = 0; w < fleet.workloadCount; w++) {
    if (fleet.pinned[w]) packing.place(w, at(fleet.home, w));
    else order.push(w);
  }
  order.sort((a, b) => size(b) - size(a));
  for (const w of order) {
    const h = hosts.find((candidate) => packing.fits(w, candidate));
    if (h === undefined) return null;
    packing.place(w, h);
  }
  let migrations = 0;
  for (let w = 0; w < fleet.workloadCount; w++) if (at(packing.host, w) !== at(fleet.home, w)) migrations++;
  return { host: packing.host, hostsUsed: new Set(packing.host).size, migrations };
}

/**
 * A lower bound on the migrations of any plan that ends on `hostCount` hosts: every
 * workload off the kept hosts moves, and on a kept host at least as many as it must shed
 * (its anti-affinity duplicates, or the fewest workloads whose removal brings a resource
 * under usable capacity). The kept hosts include the pinned ones and must hold the total
 * demand; boundStayers bounds what such a choice can leave in place.
 */
export function estimateMinMigrations(fleet: Fleet, hostCount: number): number {
  const stayers = new Int32Array(fleet.hostCount);
  for (const h of usableHosts(fleet)) stayers[h] = maxStayers(fleet, h);
  const bound = boundStayers(makeKeepProblem(fleet, stayers), hostCount);
  return Math.max(0, fleet.workloadCount - Math.floor(bound + 1e-9));
}

function maxStayers(fleet: Fleet, h: number): number {
  const residents = fleet.residents[h] ?? [];
  const groups = new Set<number>();
  let duplicates = 0;
  for (const w of residents) {
    const g = at(fleet.group, w);
    if (g < 0) continue;
    if (groups.has(g)) duplicates++;
    groups.add(g);
  }
  const shed = Math.max(
    duplicates,
    fewestToShed(residents, fleet.cpu, at(fleet.usableCpu, h)),
    fewestToShed(residents, fleet.mem, at(fleet.usableMem, h)),
  );
  return residents.length - shed;
}

/** Removing the largest first is the fewest removals that bring one resource under capacity. */
function fewestToShed(residents: readonly number[], demand: Float64Array, capacity: number): number {
  const sizes = residents.map((w) => at(demand, w)).sort((a, b) => b - a);
  let load = sizes.reduce((a, b) => a + b, 0);
  let shed = 0;
  for (const size of sizes) {
    if (load <= capacity + EPSILON) break;
    load -= size;
    shed++;
  }
  return shed;
}
