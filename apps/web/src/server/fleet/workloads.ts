/** The VMs and containers of one host, with their latest usage. */
import { latestWorkloadSamples } from "@flotilla/db";
import type { Services } from "../services.js";
import { assertHostInOrg } from "./host-rows.js";

export interface WorkloadRow {
  id: string;
  externalId: string;
  kind: "vm" | "container";
  name: string;
  state: string;
  image: string | null;
  vcpus: number | null;
  memoryBytes: number | null;
  driver: string;
  startedAt: string | null;
  now: { cpuCores: number; memUsedBytes: number } | null;
}

export async function listHostWorkloads(
  deps: Pick<Services, "prisma" | "pool">,
  orgId: string,
  hostId: string,
): Promise<WorkloadRow[]> {
  await assertHostInOrg(deps.prisma, orgId, hostId);
  const [workloads, latest] = await Promise.all([
    deps.prisma.workload.findMany({
      where: { hostId, removedAt: null },
      orderBy: [{ kind: "asc" }, { name: "asc" }],
    }),
    latestWorkloadSamples(deps.pool, hostId),
  ]);
  const latestByExternalId = new Map(latest.map((s) => [s.workloadId, s]));
  return workloads.map((w) => {
    const sample = latestByExternalId.get(w.externalId);
    return {
      id: w.id,
      externalId: w.externalId,
      kind: w.kind,
      name: w.name,
      state: w.state,
      image: w.image,
      vcpus: w.vcpus,
      memoryBytes: w.memoryBytes === null ? null : Number(w.memoryBytes),
      driver: w.driver,
      startedAt: w.startedAt?.toISOString() ?? null,
      now: sample ? { cpuCores: sample.cpuCores ?? 0, memUsedBytes: sample.memUsedBytes ?? 0 } : null,
    };
  });
}
