/**
 * Hosts as the dashboard lists them: identity and capacity from PostgreSQL via Prisma,
 * "now" and the sparkline from the samples table. Every read is scoped to one organisation,
 * and a host of another organisation is reported exactly like a missing one.
 */
import { hostSparklines, type LatestSample, latestHostSamples } from "@flotilla/db";
import { AppError } from "../errors.js";
import type { PrismaClient, Services } from "../services.js";

type Deps = Pick<Services, "prisma" | "pool">;

const SPARK_MINUTES = 30;
const SPARK_POINTS = 30;

const hostRowSelect = {
  id: true,
  name: true,
  status: true,
  simulated: true,
  cpuCores: true,
  memoryBytes: true,
  agentVersion: true,
  lastSeenAt: true,
  team: { select: { name: true } },
} as const;

type HostRecord = {
  id: string;
  name: string;
  status: "online" | "offline" | "maintenance";
  simulated: boolean;
  cpuCores: number;
  memoryBytes: bigint;
  agentVersion: string | null;
  lastSeenAt: Date | null;
  team: { name: string };
};

export interface HostRow {
  id: string;
  name: string;
  teamName: string;
  status: "online" | "offline" | "maintenance";
  simulated: boolean;
  cpuCores: number;
  memoryBytes: number;
  agentVersion: string | null;
  lastSeenAt: string | null;
  vmCount: number;
  containerCount: number;
  /** The newest host sample of the last 10 minutes; ts in ms since the epoch. */
  now: { ts: number; cpuRatio: number | null; memRatio: number | null } | null;
  /** CPU use (0..1) over the last 30 minutes, oldest first; may hold fewer than 30 points. */
  spark: number[];
}

/** Throws not_found unless the host exists in this organisation. */
export async function assertHostInOrg(prisma: PrismaClient, orgId: string, hostId: string): Promise<void> {
  const found = await prisma.host.findFirst({ where: { id: hostId, orgId }, select: { id: true } });
  if (!found) throw new AppError("not_found", "No such host.");
}

export function memRatioOf(memUsedBytes: number | null, memTotalBytes: number | null, capacity: number): number | null {
  const total = memTotalBytes && memTotalBytes > 0 ? memTotalBytes : capacity;
  if (memUsedBytes === null || !(total > 0)) return null;
  return Math.min(1, Math.max(0, memUsedBytes / total));
}

async function workloadCounts(prisma: PrismaClient, hostIds: string[]) {
  const groups = await prisma.workload.groupBy({
    by: ["hostId", "kind"],
    where: { hostId: { in: hostIds }, removedAt: null },
    _count: { _all: true },
  });
  const counts = new Map<string, { vm: number; container: number }>();
  for (const g of groups) {
    const entry = counts.get(g.hostId) ?? { vm: 0, container: 0 };
    entry[g.kind] = g._count._all;
    counts.set(g.hostId, entry);
  }
  return counts;
}

async function toHostRows(deps: Deps, hosts: HostRecord[]): Promise<HostRow[]> {
  const ids = hosts.map((h) => h.id);
  const [counts, latest, sparks] = await Promise.all([
    workloadCounts(deps.prisma, ids),
    latestHostSamples(deps.pool, ids),
    hostSparklines(deps.pool, ids, { minutes: SPARK_MINUTES, points: SPARK_POINTS }),
  ]);
  const latestByHost = new Map<string, LatestSample>(latest.map((s) => [s.hostId, s]));
  return hosts.map((h) => {
    const sample = latestByHost.get(h.id);
    const memoryBytes = Number(h.memoryBytes);
    return {
      id: h.id,
      name: h.name,
      teamName: h.team.name,
      status: h.status,
      simulated: h.simulated,
      cpuCores: h.cpuCores,
      memoryBytes,
      agentVersion: h.agentVersion,
      lastSeenAt: h.lastSeenAt?.toISOString() ?? null,
      vmCount: counts.get(h.id)?.vm ?? 0,
      containerCount: counts.get(h.id)?.container ?? 0,
      now: sample
        ? {
            ts: sample.ts,
            cpuRatio: sample.cpuRatio,
            memRatio: memRatioOf(sample.memUsedBytes, sample.memTotalBytes, memoryBytes),
          }
        : null,
      spark: sparks.get(h.id) ?? [],
    };
  });
}

export async function listHostRows(deps: Deps, orgId: string): Promise<HostRow[]> {
  const hosts = await deps.prisma.host.findMany({ where: { orgId }, select: hostRowSelect, orderBy: { name: "asc" } });
  return toHostRows(deps, hosts);
}

export async function getHostDetail(deps: Deps, orgId: string, hostId: string) {
  const host = await deps.prisma.host.findFirst({
    where: { id: hostId, orgId },
    select: {
      ...hostRowSelect,
      cpuModel: true,
      os: true,
      kernel: true,
      arch: true,
      kvm: true,
      drivers: true,
      intervalMs: true,
      machineId: true,
      createdAt: true,
      group: true,
    },
  });
  if (!host) throw new AppError("not_found", "No such host.");
  const [row] = await toHostRows(deps, [host]);
  return {
    ...(row as HostRow),
    cpuModel: host.cpuModel,
    os: host.os,
    kernel: host.kernel,
    arch: host.arch,
    kvm: host.kvm,
    drivers: host.drivers,
    intervalMs: host.intervalMs,
    machineId: host.machineId,
    createdAt: host.createdAt.toISOString(),
    /** The host group plans can be scoped to (a rack, a site), null when none. */
    group: host.group,
  };
}
