/** The fleet home page's tiles: host states, running workloads, CPU and memory in use. */
import { latestHostSamples } from "@flotilla/db";
import type { Services } from "../services.js";

export interface FleetSummary {
  hosts: { online: number; offline: number; maintenance: number; total: number };
  vms: { running: number; total: number };
  containers: { running: number; total: number };
  /** Over the hosts that are not offline: used is their latest sample, total their capacity. */
  cpu: { usedCores: number; totalCores: number };
  memory: { usedBytes: number; totalBytes: number };
}

/** `teams`: the teams whose hosts the caller may read (access/scope.ts teamsWith). */
export async function getFleetSummary(
  deps: Pick<Services, "prisma" | "pool">,
  orgId: string,
  teams: "all" | string[] = "all",
): Promise<FleetSummary> {
  const teamFilter = teams === "all" ? {} : { teamId: { in: teams } };
  const [hosts, workloads] = await Promise.all([
    deps.prisma.host.findMany({
      where: { orgId, ...teamFilter },
      select: { id: true, status: true, cpuCores: true, memoryBytes: true },
    }),
    deps.prisma.workload.groupBy({
      by: ["kind", "state"],
      where: { removedAt: null, host: { orgId, ...teamFilter } },
      _count: { _all: true },
    }),
  ]);

  const summary: FleetSummary = {
    hosts: { online: 0, offline: 0, maintenance: 0, total: hosts.length },
    vms: { running: 0, total: 0 },
    containers: { running: 0, total: 0 },
    cpu: { usedCores: 0, totalCores: 0 },
    memory: { usedBytes: 0, totalBytes: 0 },
  };
  const reporting = hosts.filter((h) => h.status !== "offline");
  for (const h of hosts) summary.hosts[h.status] += 1;
  for (const h of reporting) {
    summary.cpu.totalCores += h.cpuCores;
    summary.memory.totalBytes += Number(h.memoryBytes);
  }
  for (const g of workloads) {
    const bucket = g.kind === "vm" ? summary.vms : summary.containers;
    bucket.total += g._count._all;
    if (g.state === "running") bucket.running += g._count._all;
  }
  const latest = await latestHostSamples(
    deps.pool,
    reporting.map((h) => h.id),
  );
  for (const s of latest) {
    summary.cpu.usedCores += s.cpuCores ?? 0;
    summary.memory.usedBytes += s.memUsedBytes ?? 0;
  }
  return summary;
}
