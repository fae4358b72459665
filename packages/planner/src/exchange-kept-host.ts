// Which hosts to keep, revisited for migrations: the packing passes settle the host count
// and whatever hosts got there first, but among sets of that many hosts the one keeping the
// most populated hosts leaves the most workloads in place. One kept host is traded for an
// unused one whose workloads could stay in greater number, when the new set still holds the
// demand; the swap search finds a placement on it and the migration pass tidies it.
import type { StayAnalysis } from "./analyse-stays.js";
import { at, EPSILON, type Fleet, pinnedHosts, usableHosts } from "./fleet.js";
import { rebalanceOnto } from "./rebalance-overload.js";
import { countMoves, reduceMigrations } from "./reduce-migrations.js";

/** Above this many workloads the swap search costs too much to be tried for a few moves. */
const MAX_WORKLOADS = 1000;
/** Trades tried, the most promising first. */
const TRADES = 3;
/**
 * Work for the swap search per trade: a quarter of what emptying a host gets. Trades that
 * pay off are found quickly; the budget bounds the time lost on those that do not.
 */
const TRADE_EVALUATIONS = 1_000_000;

/**
 * The placement with the fewest migrations among `target` (already through the migration
 * pass) and the placements found after trading one of its kept hosts for an unused one.
 * Never more hosts: the trade keeps their number.
 */
export function exchangeKeptHost(fleet: Fleet, stays: StayAnalysis, target: Int32Array): Int32Array {
  if (fleet.workloadCount > MAX_WORKLOADS) return target;
  let best = target;
  let bestMoves = countMoves(fleet, target);
  for (const [out, into] of promisingTrades(fleet, stays, target)) {
    const kept = usedHostsOf(fleet, target).filter((h) => h !== out);
    kept.push(into);
    const start = Int32Array.from(target);
    for (const w of fleet.residents[into] ?? []) if (stays.leaveReason[w] === null) start[w] = into;
    const found = rebalanceOnto(fleet, start, kept, into, TRADE_EVALUATIONS);
    if (found === null) continue;
    const reduced = reduceMigrations(fleet, found);
    const moves = countMoves(fleet, reduced);
    if (moves < bestMoves) [best, bestMoves] = [reduced, moves];
  }
  return best;
}

/**
 * Pairs (kept host to give up, unused host to keep) whose new set holds the demand and
 * whose stayers outnumber the workloads staying on the host given up, best first.
 */
function promisingTrades(fleet: Fleet, stays: StayAnalysis, target: Int32Array): [number, number][] {
  const kept = usedHostsOf(fleet, target);
  const isKept = new Uint8Array(fleet.hostCount);
  for (const h of kept) isKept[h] = 1;
  const forced = new Set(pinnedHosts(fleet));
  const stayingOn = new Int32Array(fleet.hostCount);
  for (let w = 0; w < fleet.workloadCount; w++)
    if (at(target, w) === at(fleet.home, w)) stayingOn[at(target, w)] = at(stayingOn, at(target, w)) + 1;
  const sum = (values: Float64Array) => kept.reduce((s, h) => s + at(values, h), 0);
  const needCpu = fleet.cpu.reduce((a, b) => a + b, 0);
  const needMem = fleet.mem.reduce((a, b) => a + b, 0);
  const trades: [out: number, into: number, gain: number][] = [];
  for (const into of usableHosts(fleet)) {
    if (isKept[into]) continue;
    for (const out of kept) {
      if (forced.has(out)) continue;
      const gain = at(stays.stayable, into) - at(stayingOn, out);
      const cpu = sum(fleet.usableCpu) - at(fleet.usableCpu, out) + at(fleet.usableCpu, into);
      const mem = sum(fleet.usableMem) - at(fleet.usableMem, out) + at(fleet.usableMem, into);
      // Each host may end EPSILON over its usable capacity, as in every fit test.
      const slack = kept.length * EPSILON;
      if (gain > 0 && cpu + slack >= needCpu && mem + slack >= needMem) trades.push([out, into, gain]);
    }
  }
  trades.sort((a, b) => b[2] - a[2] || a[0] - b[0] || a[1] - b[1]);
  return trades.slice(0, TRADES).map(([out, into]) => [out, into]);
}

function usedHostsOf(fleet: Fleet, target: Int32Array): number[] {
  const used = new Uint8Array(fleet.hostCount);
  for (const h of target) used[h] = 1;
  const out: number[] = [];
  for (let h = 0; h < fleet.hostCount; h++) if (used[h]) out.push(h);
  return out;
}
