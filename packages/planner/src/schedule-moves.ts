// Orders the moves into steps so that no host ever exceeds its full capacity on the way:
// moves of one step run at once, and a moving workload counts on its source and its target
// until the step ends. Where moves wait on each other in a cycle, one workload takes a
// temporary hop through a host with room; small move sets that still deadlock get an
// exhaustive search for a direct order.
import { findDirectOrder, groupIntoSteps } from "./direct-order.js";
import type { Fleet } from "./fleet.js";
import { applyMove, type Load, type PendingMove, startingLoad, trackArrivals } from "./move-state.js";
import { PlanError } from "./plan-error.js";
import { planHop } from "./plan-hop.js";
import type { Move } from "./schema.js";

/** Up to this many moves, a direct order is searched for when the greedy schedule needs hops or fails. */
const SEARCH_LIMIT = 64;

export function scheduleMoves(fleet: Fleet, target: Int32Array, reasons: Map<number, string>): Move[] {
  const moves = collectMoves(fleet, target, reasons);
  const greedy = scheduleGreedily(
    fleet,
    moves.map((m) => ({ ...m })),
  );
  const hops = greedy.stuck !== null || greedy.moves.length !== moves.length;
  if (!hops) return greedy.moves;
  if (moves.length <= SEARCH_LIMIT) {
    const order = findDirectOrder(fleet, moves);
    if (order) return groupIntoSteps(fleet, order).map(([m, step]) => toMove(fleet, m, step));
  }
  if (greedy.stuck === null) return greedy.moves;
  throw stuck(fleet, greedy.stuck);
}

/** Each step starts every move that fits; a deadlock gets a hop. `stuck` lists the moves left when no hop helps. */
function scheduleGreedily(fleet: Fleet, moves: PendingMove[]): { moves: Move[]; stuck: PendingMove[] | null } {
  const load = startingLoad(fleet);
  const current = Int32Array.from(fleet.home);
  let pending = moves;
  const out: Move[] = [];
  let hopsLeft = 2 * pending.length + 10;
  for (let step = 1; pending.length > 0; step++) {
    let started = startFitting(fleet, load, pending);
    if (started.length === 0) {
      const hop = hopsLeft-- > 0 ? planHop(fleet, load, current, pending) : null;
      if (hop === null) return { moves: out, stuck: pending };
      started = [hop];
    }
    const done = new Set(started);
    for (const m of started) {
      applyMove(fleet, load, m);
      current[m.w] = m.to;
      out.push(toMove(fleet, m, step));
    }
    pending = pending.filter((m) => !done.has(m));
  }
  return { moves: out, stuck: null };
}

/** Largest first, so big moves start early and small ones fill the room left in each step. */
function collectMoves(fleet: Fleet, target: Int32Array, reasons: Map<number, string>): PendingMove[] {
  const moves: PendingMove[] = [];
  for (let w = 0; w < fleet.workloadCount; w++) {
    const from = fleet.home[w] as number;
    const to = target[w] as number;
    if (from !== to) moves.push({ w, from, to, reason: reasons.get(w) ?? "rebalances the fleet" });
  }
  const weight = (m: PendingMove) => (fleet.mem[m.w] as number) / Math.max(fleet.fullMem[m.to] as number, 1);
  return moves.sort((a, b) => weight(b) - weight(a) || a.w - b.w);
}

/**
 * The moves to start in this step. Moves whose leaving frees room that another pending move
 * waits for go first; a move that frees nothing may not take room on a host where such a
 * move is still blocked, since it would only lengthen (or deadlock) the chain. It may when
 * nothing else can start.
 */
export function startFitting(fleet: Fleet, load: Load, pending: readonly PendingMove[]): PendingMove[] {
  const awaited = new Set(pending.map((m) => m.to));
  const frees = (m: PendingMove) => awaited.has(m.from);
  const arrivals = trackArrivals(fleet, load);
  const started: PendingMove[] = [];
  const contested = new Set<number>();
  for (const m of pending) {
    if (!frees(m)) continue;
    if (arrivals.tryAdd(m)) started.push(m);
    else contested.add(m.to);
  }
  for (const m of pending) {
    if (!frees(m) && !contested.has(m.to) && arrivals.tryAdd(m)) started.push(m);
  }
  if (started.length === 0) {
    for (const m of pending) if (!frees(m) && arrivals.tryAdd(m)) started.push(m);
  }
  return started;
}

function stuck(fleet: Fleet, pending: readonly PendingMove[]): PlanError {
  const hosts = [...new Set(pending.map((m) => fleet.hostIds[m.to]))].slice(0, 5).join(", ");
  return new PlanError(
    "moves_unschedulable",
    `the moves cannot be ordered without exceeding a host's full capacity: ${pending.length} moves wait on each other (into ${hosts}) and no other host has room for a temporary hop`,
  );
}

function toMove(fleet: Fleet, m: PendingMove, step: number): Move {
  return {
    workload: fleet.workloadIds[m.w] as string,
    from: fleet.hostIds[m.from] as string,
    to: fleet.hostIds[m.to] as string,
    step,
    reason: m.reason,
  };
}
