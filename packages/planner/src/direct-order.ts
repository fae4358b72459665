// Exhaustive search for an order of direct moves (no hops) when the greedy schedule gets
// stuck on a small, tight move set, and the grouping of such an order into steps.
import { at, type Fleet } from "./fleet.js";
import { applyMove, hasRoom, type PendingMove, startingLoad, trackArrivals } from "./move-state.js";

/** Bounds the search; 2^14 states is every order of 14 moves. */
const MAX_EXPANSIONS = 50_000;

/**
 * Depth-first over one move at a time, remembering the sets of moves already tried, with
 * the moves that free room other moves wait for first. Null when no order was found.
 */
export function findDirectOrder(fleet: Fleet, moves: readonly PendingMove[]): PendingMove[] | null {
  const load = startingLoad(fleet);
  const done = new Uint8Array(moves.length);
  const order: PendingMove[] = [];
  const seen = new Set<string>();
  let expansions = 0;
  const search = (): boolean => {
    if (order.length === moves.length) return true;
    const key = done.join("");
    if (seen.has(key) || expansions++ > MAX_EXPANSIONS) return false;
    seen.add(key);
    for (const i of candidates(fleet, moves, done)) {
      const m = moves[i] as PendingMove;
      if (!hasRoom(fleet, load, m.to, at(fleet.cpu, m.w), at(fleet.mem, m.w))) continue;
      applyMove(fleet, load, m);
      done[i] = 1;
      order.push(m);
      if (search()) return true;
      order.pop();
      done[i] = 0;
      applyMove(fleet, load, m, -1);
    }
    return false;
  };
  return search() ? order : null;
}

/** Pending move indices, those leaving a host that others wait to enter first, larger first. */
function candidates(fleet: Fleet, moves: readonly PendingMove[], done: Uint8Array): number[] {
  const awaited = new Set<number>();
  moves.forEach((m, i) => {
    if (!done[i]) awaited.add(m.to);
  });
  const score = (i: number) => {
    const m = moves[i] as PendingMove;
    return (awaited.has(m.from) ? 1e12 : 0) + at(fleet.mem, m.w) + at(fleet.cpu, m.w);
  };
  const open: number[] = [];
  for (let i = 0; i < moves.length; i++) if (!done[i]) open.push(i);
  return open.sort((a, b) => score(b) - score(a));
}

/**
 * Runs consecutive moves of a valid order together while their targets hold everything
 * arriving at once; each step starts where the order's own replay stands, so it stays valid.
 */
export function groupIntoSteps(fleet: Fleet, order: readonly PendingMove[]): [PendingMove, number][] {
  const load = startingLoad(fleet);
  const out: [PendingMove, number][] = [];
  let step = 1;
  let inStep: PendingMove[] = [];
  let arrivals = trackArrivals(fleet, load);
  for (const m of order) {
    if (!arrivals.tryAdd(m)) {
      for (const done of inStep) applyMove(fleet, load, done);
      step++;
      inStep = [];
      arrivals = trackArrivals(fleet, load);
      arrivals.tryAdd(m);
    }
    inStep.push(m);
    out.push([m, step]);
  }
  return out;
}
