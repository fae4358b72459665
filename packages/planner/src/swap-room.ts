// The repair for two-dimensional fragmentation: w needs cpu and memory, but the hosts with
// cpu to spare are short of memory and those with memory to spare are short of cpu. Swapping
// a memory-heavy workload of a cpu-rich host with a cpu-heavy workload of a memory-rich host
// (when both still fit) evens the two hosts out, and w then fits on one of them. Searched
// among the hosts with the most room of each kind, so the cost per repair stays bounded.
import { at, EPSILON } from "./fleet.js";
import type { Packing } from "./packing.js";

/** Hosts with the most cpu room, and with the most memory room, that a swap looks at. */
const SIDE_HOSTS = 6;

export interface Swap {
  /** w goes here. */
  host: number;
  a: number;
  b: number;
  /** a's host (b goes there) and b's host (a goes there). */
  hostA: number;
  hostB: number;
}

export function findSwap(packing: Packing, w: number, kept: Int32Array): Swap | null {
  const { fleet } = packing;
  const { cpu, mem, pinned, usableCpu, usableMem } = fleet;
  const { loadCpu, loadMem } = packing;
  const cpuW = cpu[w] as number;
  const memW = mem[w] as number;
  const roomCpu = (h: number) => (usableCpu[h] as number) - (loadCpu[h] as number);
  const roomMem = (h: number) => (usableMem[h] as number) - (loadMem[h] as number);
  const cpuRich = mostRoom(kept, roomCpu);
  const memRich = mostRoom(kept, roomMem);
  let best: Swap | null = null;
  let bestCost = Number.POSITIVE_INFINITY;
  for (const hostA of cpuRich) {
    for (const hostB of memRich) {
      if (hostA === hostB) continue;
      const cA = roomCpu(hostA);
      const mA = roomMem(hostA);
      const cB = roomCpu(hostB);
      const mB = roomMem(hostB);
      const membersA = packing.membersOf(hostA);
      const membersB = packing.membersOf(hostB);
      for (let i = 0; i < membersA.length; i++) {
        const a = membersA[i] as number;
        if (pinned[a]) continue;
        const ac = cpu[a] as number;
        const am = mem[a] as number;
        for (let j = 0; j < membersB.length; j++) {
          const b = membersB[j] as number;
          if (pinned[b]) continue;
          const dc = (cpu[b] as number) - ac; // cpu hostA gains, hostB loses
          const dm = (mem[b] as number) - am; // memory hostA gains, hostB loses
          // Both hosts within capacity after the swap...
          if (dc > cA + EPSILON || -dc > cB + EPSILON || dm > mA + EPSILON || -dm > mB + EPSILON) continue;
          // ...and w fits on one of them.
          const onA = cA - dc + EPSILON >= cpuW && mA - dm + EPSILON >= memW;
          const onB = cB + dc + EPSILON >= cpuW && mB + dm + EPSILON >= memW;
          if (!onA && !onB) continue;
          const host = onA ? hostA : hostB;
          if (!swapKeepsGroups(packing, w, a, b, hostA, hostB, host)) continue;
          // Fewest workloads taken from their own host first.
          const cost = (isHome(packing, a) ? 1 : 0) + (isHome(packing, b) ? 1 : 0);
          if (cost < bestCost) {
            best = { host, a, b, hostA, hostB };
            bestCost = cost;
            if (cost === 0) return best;
          }
        }
      }
    }
  }
  return best;
}

/** The SIDE_HOSTS kept hosts with the most room by `room` (some room at all), most first. */
function mostRoom(kept: Int32Array, room: (h: number) => number): number[] {
  const hosts: number[] = [];
  const rooms: number[] = [];
  for (let i = 0; i < kept.length; i++) {
    const h = kept[i] as number;
    const r = room(h);
    if (r <= EPSILON || (hosts.length === SIDE_HOSTS && r <= (rooms[SIDE_HOSTS - 1] as number))) continue;
    let j = hosts.length === SIDE_HOSTS ? SIDE_HOSTS - 1 : hosts.length;
    while (j > 0 && (rooms[j - 1] as number) < r) {
      rooms[j] = rooms[j - 1] as number;
      hosts[j] = hosts[j - 1] as number;
      j--;
    }
    rooms[j] = r;
    hosts[j] = h;
  }
  return hosts;
}

/** Anti-affinity after the swap: a joins hostB, b joins hostA, w joins `host`. */
function swapKeepsGroups(
  packing: Packing,
  w: number,
  a: number,
  b: number,
  hostA: number,
  hostB: number,
  host: number,
) {
  const { fleet } = packing;
  const group = (x: number) => at(fleet.group, x);
  const clash = (x: number, h: number, leaving: number) => {
    const g = group(x);
    if (g < 0 || !packing.hasGroup(g, h)) return false;
    return packing.groupMateOn(x, h) !== leaving;
  };
  if (clash(a, hostB, b) || clash(b, hostA, a)) return false;
  if (group(a) >= 0 && group(a) === group(b)) return false;
  const gw = group(w);
  if (gw < 0) return true;
  const arriving = host === hostA ? b : a;
  const leaving = host === hostA ? a : b;
  if (group(arriving) === gw) return false;
  return !clash(w, host, leaving);
}

function isHome(packing: Packing, y: number): boolean {
  return at(packing.host, y) === at(packing.fleet.home, y);
}
