// The way out of a deadlock in the greedy schedule: park one workload on a host with room,
// so that its leaving unblocks a move into its host, and let it go on from there later.
import { at, type Fleet } from "./fleet.js";
import { hasRoom, type Load, type PendingMove } from "./move-state.js";

/**
 * Every pending move waits for room that only another pending move frees. Park one workload
 * whose leaving unblocks a move into its host on the host with the most room, then let it go on.
 */
export function planHop(fleet: Fleet, load: Load, current: Int32Array, pending: PendingMove[]): PendingMove | null {
  const awaited = new Set(pending.map((m) => m.to));
  const bySize = [...pending].sort((a, b) => at(fleet.mem, a.w) - at(fleet.mem, b.w));
  for (const m of bySize) {
    if (!awaited.has(m.from)) continue;
    const via = roomiestHost(fleet, load, m, groupMateHosts(fleet, m.w, current, pending));
    if (via < 0) continue;
    const hop: PendingMove = {
      w: m.w,
      from: m.from,
      to: via,
      reason: `temporary hop: ${fleet.hostIds[m.to]} has no room until other moves finish (${m.reason})`,
    };
    m.from = via;
    m.reason = `${m.reason}, after a temporary hop`;
    return hop;
  }
  return null;
}

/** The usable host, not in maintenance and without a group mate of the workload, with the most room left. */
function roomiestHost(fleet: Fleet, load: Load, m: PendingMove, mates: Set<number>): number {
  let best = -1;
  let bestRoom = -1;
  for (let h = 0; h < fleet.hostCount; h++) {
    if (h === m.from || h === m.to || fleet.maintenance[h] || mates.has(h)) continue;
    if (!hasRoom(fleet, load, h, at(fleet.cpu, m.w), at(fleet.mem, m.w))) continue;
    const room = Math.min(
      (at(fleet.fullCpu, h) - at(load.cpu, h)) / at(fleet.fullCpu, h),
      (at(fleet.fullMem, h) - at(load.mem, h)) / at(fleet.fullMem, h),
    );
    if (room > bestRoom) [best, bestRoom] = [h, room];
  }
  return best;
}

/** Hosts that hold, or will receive, another member of the workload's anti-affinity group. */
function groupMateHosts(fleet: Fleet, w: number, current: Int32Array, pending: readonly PendingMove[]): Set<number> {
  const g = at(fleet.group, w);
  const hosts = new Set<number>();
  if (g < 0) return hosts;
  for (let o = 0; o < fleet.workloadCount; o++) {
    if (o !== w && at(fleet.group, o) === g) hosts.add(at(current, o));
  }
  for (const m of pending) if (m.w !== w && at(fleet.group, m.w) === g) hosts.add(m.to);
  return hosts;
}
