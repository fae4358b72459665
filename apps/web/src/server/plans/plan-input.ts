/**
 * The consolidation planner's input built from stored data: capacities from host inventory,
 * demand from the samples table (a chosen CPU percentile over a window, memory used or
 * allocated). The planner itself (@flotilla/planner) stays pure; this is its only feed.
 */
import { workloadPercentiles } from "@flotilla/db";
import type { PlanInput } from "@flotilla/planner";
import { z } from "zod";
import { AppError } from "../errors.js";
import { COLD_MIGRATION_DRIVERS, LIVE_MIGRATION_DRIVERS } from "../migrations/record-migration.js";
import type { Services } from "../services.js";
import { driverPools, movableInPool } from "./driver-pools.js";

const MIB = 1024 * 1024;
/** Workload labels an operator sets on a VM or container. */
export const ANTI_AFFINITY_LABEL = "flotilla.anti-affinity";
export const PINNED_LABEL = "flotilla.pinned";
/** Host labels: usable capacity when it should differ from the hardware (reserved cores, test fleets). */
export const CPU_CAPACITY_LABEL = "flotilla.cpu";
export const MEMORY_CAPACITY_LABEL = "flotilla.memory-mb";
/** Host label set by plans.markStandby: the host is kept empty (planned like a host in maintenance). */
export const STANDBY_LABEL = "flotilla.standby";

/** A host group's name, as operators type it (hosts.group). */
export const hostGroupSchema = z
  .string()
  .trim()
  .min(1, "a group name is required")
  .max(64)
  .regex(
    /^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u,
    "letters, digits, spaces, '.', '_' or '-', starting with a letter or digit",
  );

export const planScopeSchema = z.union([
  z.literal("all"),
  z.object({ teamId: z.string().min(1).max(200) }).strict(),
  z.object({ group: hostGroupSchema }).strict(),
  z.object({ hostIds: z.array(z.string().min(1).max(200)).min(1).max(5000) }).strict(),
]);
export type PlanScope = z.infer<typeof planScopeSchema>;

export const planOptionsSchema = z.object({
  windowMinutes: z
    .number()
    .int()
    .min(1)
    .max(60 * 24 * 31),
  cpuPercentile: z.number().gt(0).lte(100),
  memory: z.enum(["used", "allocated"]),
  policy: z.object({ cpuHeadroom: z.number().gt(0).lte(1), memoryHeadroom: z.number().gt(0).lte(1) }),
});
export type PlanOptions = z.infer<typeof planOptionsSchema>;

export interface PlanInputContext extends Pick<Services, "prisma" | "pool"> {
  orgId: string;
  /** ms since the epoch; the window ends here. */
  now?: number;
}

/** The planner input plus the names the planner ignores (unknown fields) but people read. */
export type StoredPlanInput = Omit<PlanInput, "hosts" | "workloads"> & {
  /** `drivers`: the workload drivers the host runs (which workloads it can take). */
  hosts: Array<PlanInput["hosts"][number] & { name: string; drivers: string[] }>;
  workloads: Array<PlanInput["workloads"][number] & { name: string; externalId: string; driver: string }>;
};

const labelsOf = (labels: unknown) => (labels ?? {}) as Record<string, unknown>;

function numberLabel(labels: Record<string, unknown>, key: string): number | null {
  const n = Number(labels[key]);
  return labels[key] !== undefined && Number.isFinite(n) && n > 0 ? n : null;
}

/** A host's full capacity: its inventory, or the capacity labels when set. */
export function hostCapacity(h: { cpuCores: number; memoryBytes: bigint; labels: unknown }) {
  const labels = labelsOf(h.labels);
  return {
    cpu: numberLabel(labels, CPU_CAPACITY_LABEL) ?? h.cpuCores,
    memoryMb: numberLabel(labels, MEMORY_CAPACITY_LABEL) ?? Number(h.memoryBytes) / MIB,
  };
}

function scopeWhere(orgId: string, scope: PlanScope) {
  if (scope === "all") return { orgId };
  if ("teamId" in scope) return { orgId, teamId: scope.teamId };
  if ("group" in scope) return { orgId, group: scope.group };
  return { orgId, id: { in: scope.hostIds } };
}

/**
 * Offline hosts and hosts that never reported their size are left out with their workloads:
 * nothing can be moved to or from a host the control plane cannot reach.
 */
export async function buildPlanInput(ctx: PlanInputContext, scope: PlanScope, options: PlanOptions) {
  const hostRows = await ctx.prisma.host.findMany({
    where: { ...scopeWhere(ctx.orgId, scope), status: { in: ["online", "maintenance"] } },
    orderBy: { name: "asc" },
  });
  if (typeof scope === "object" && "hostIds" in scope) {
    const found = new Set(hostRows.map((h) => h.id));
    const missing = scope.hostIds.filter((id) => !found.has(id));
    const known = await ctx.prisma.host.count({ where: { orgId: ctx.orgId, id: { in: missing } } });
    if (known < missing.length) throw new AppError("not_found", "No such host.");
  }
  const hosts = hostRows
    .map((h) => ({
      id: h.id,
      name: h.name,
      ...hostCapacity(h),
      maintenance: h.status === "maintenance" || labelsOf(h.labels)[STANDBY_LABEL] !== undefined,
      // "proc" only reports the host itself; the others run workloads.
      drivers: h.drivers.filter((d) => d !== "proc"),
    }))
    .filter((h) => h.cpu > 0 && h.memoryMb > 0);
  if (hosts.length === 0) {
    const where = typeof scope === "object" && "group" in scope ? ` (host group ${scope.group})` : "";
    throw new AppError("invalid", `No online host with a known size in this scope${where}.`);
  }

  const rows = await ctx.prisma.workload.findMany({
    where: { hostId: { in: hosts.map((h) => h.id) }, removedAt: null, state: "running" },
    orderBy: { name: "asc" },
  });
  const to = ctx.now ?? Date.now();
  const stats = await workloadPercentiles(ctx.pool, {
    workloads: rows.map((w) => ({ hostId: w.hostId, externalId: w.externalId })),
    percentile: options.cpuPercentile,
    // Memory does not burst away like CPU: p95 of what was used, whatever CPU percentile is chosen.
    memoryPercentile: 95,
    from: to - options.windowMinutes * 60_000,
    to,
  });
  const statsOf = new Map(stats.map((s) => [`${s.hostId}/${s.externalId}`, s]));

  const poolOf = new Map<string, typeof hosts>();
  for (const ids of driverPools(hosts)) {
    const pool = hosts.filter((h) => ids.includes(h.id));
    for (const id of ids) poolOf.set(id, pool);
  }
  const workloads = rows.map((w) => {
    const labels = labelsOf(w.labels);
    const s = statsOf.get(`${w.hostId}/${w.externalId}`);
    const allocatedMb = w.memoryBytes === null ? null : Number(w.memoryBytes) / MIB;
    const usedMb = s?.memUsedBytes == null ? null : s.memUsedBytes / MIB;
    const group = labels[ANTI_AFFINITY_LABEL];
    return {
      id: w.id,
      name: w.name,
      externalId: w.externalId,
      kind: w.kind,
      driver: w.driver,
      host: w.hostId,
      // No samples yet (a new workload, metrics off): its allocation is the safe guess.
      cpu: s?.cpuCores ?? w.vcpus ?? 0,
      memoryMb: options.memory === "used" ? (usedMb ?? allocatedMb ?? 0) : (allocatedMb ?? usedMb ?? 0),
      antiAffinity: typeof group === "string" && group.length > 0 ? group : null,
      // What no migration path can move stays where it is, so the plan never proposes it.
      // So does what no other host of its pool could run (see driver-pools.ts).
      pinned:
        labels[PINNED_LABEL] === "true" ||
        !isMovable(w.kind, w.driver) ||
        !movableInPool({ host: w.hostId, driver: w.driver }, poolOf.get(w.hostId) ?? []),
    };
  });
  const input: StoredPlanInput = { hosts, workloads, policy: options.policy };
  return input;
}

/** VMs move live, containers cold, on the drivers that can (see server/migrations). */
function isMovable(kind: string, driver: string): boolean {
  return (
    (kind === "vm" && LIVE_MIGRATION_DRIVERS.includes(driver)) ||
    (kind === "container" && COLD_MIGRATION_DRIVERS.includes(driver))
  );
}
