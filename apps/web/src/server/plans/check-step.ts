/**
 * The re-check before each step of a plan: the fleet may have changed since the plan was made
 * (new workloads, a host resized, taken offline or into maintenance), so the targets' load is
 * read again from current inventory. A target that would go above its FULL capacity while the
 * step runs stops the plan; the planner's headroom is a goal, full capacity is the hard limit.
 */
import type { PrismaClient } from "../services.js";
import { hostCapacity, STANDBY_LABEL, type StoredPlanInput } from "./plan-input.js";
import type { ExecutionMove } from "./plan-view.js";

const MIB = 1024 * 1024;
/** The planner's tolerance for floating-point sums (cores or MB). */
const EPSILON = 1e-6;
const round = (n: number) => Math.round(n * 100) / 100;

/** Why the step cannot run now, or null when every target has room. */
export async function checkStepCapacity(
  prisma: PrismaClient,
  input: StoredPlanInput,
  stepMoves: readonly ExecutionMove[],
): Promise<string | null> {
  // Demand as the plan saw it; workloads that appeared since count with their allocation.
  const demand = new Map(input.workloads.map((w) => [w.id, { cpu: w.cpu, memoryMb: w.memoryMb }]));
  const targets = [...new Set(stepMoves.map((m) => m.to))];
  const hosts = await prisma.host.findMany({ where: { id: { in: targets } } });
  for (const targetId of targets) {
    const host = hosts.find((h) => h.id === targetId);
    if (!host) return `target host ${targetId} no longer exists`;
    if (host.status !== "online") return `target host ${host.name} is ${host.status}`;
    if ((host.labels as Record<string, unknown> | null)?.[STANDBY_LABEL] !== undefined)
      return `target host ${host.name} was marked for standby`;
    const resident = await prisma.workload.findMany({
      where: { hostId: targetId, removedAt: null, state: "running" },
      select: { id: true, vcpus: true, memoryBytes: true },
    });
    const residentIds = new Set(resident.map((w) => w.id));
    const load = { cpu: 0, memoryMb: 0 };
    const add = (d: { cpu: number; memoryMb: number }) => {
      load.cpu += d.cpu;
      load.memoryMb += d.memoryMb;
    };
    for (const w of resident)
      add(demand.get(w.id) ?? { cpu: w.vcpus ?? 0, memoryMb: Number(w.memoryBytes ?? 0n) / MIB });
    // Arriving workloads count on the target while they move (and on their source until the step ends).
    for (const m of stepMoves)
      if (m.to === targetId && !residentIds.has(m.workload)) add(demand.get(m.workload) ?? { cpu: 0, memoryMb: 0 });
    const capacity = hostCapacity(host);
    if (load.cpu > capacity.cpu + EPSILON)
      return `host ${host.name} would hold ${round(load.cpu)} of ${round(capacity.cpu)} cores during step ${stepMoves[0]?.step}`;
    if (load.memoryMb > capacity.memoryMb + EPSILON)
      return `host ${host.name} would hold ${round(load.memoryMb)} of ${round(capacity.memoryMb)} MB during step ${stepMoves[0]?.step}`;
  }
  return null;
}
