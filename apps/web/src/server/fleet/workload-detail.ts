/**
 * One VM or container as its page shows it: identity, placement, allocation and its newest
 * usage. Removed workloads stay readable (their page keeps their history); a workload of
 * another organisation is reported exactly like a missing one.
 */
import { latestWorkloadSamples } from "@flotilla/db";
import { type PortMapping, portMappingSchema } from "@flotilla/protocol";
import { z } from "zod";
import { AppError } from "../errors.js";
import type { PrismaClient, Services } from "../services.js";

type Deps = Pick<Services, "prisma" | "pool">;

// Stored JSON was validated when the agent reported it; parsing again keeps a bad row from
// breaking the page (it shows no ports rather than failing).
const storedPorts = z.array(portMappingSchema).catch([]);
const storedLabels = z.record(z.string(), z.string()).catch({});

export interface WorkloadDetail {
  id: string;
  externalId: string;
  kind: "vm" | "container";
  driver: string;
  name: string;
  state: string;
  image: string | null;
  vcpus: number | null;
  memoryBytes: number | null;
  ports: PortMapping[];
  labels: Record<string, string>;
  createdAt: string | null;
  startedAt: string | null;
  updatedAt: string;
  removedAt: string | null;
  host: {
    id: string;
    name: string;
    status: "online" | "offline" | "maintenance";
    cpuCores: number;
    intervalMs: number;
  };
  /** The newest sample of the last 10 minutes (ts in ms), while the workload exists and its host reports. */
  now: {
    ts: number;
    cpuCores: number | null;
    memUsedBytes: number | null;
    netRxBps: number | null;
    netTxBps: number | null;
    diskReadBps: number | null;
    diskWriteBps: number | null;
  } | null;
}

/** The workload's host and driver id, or not_found unless it belongs to this organisation. */
export async function findWorkloadInOrg(
  prisma: PrismaClient,
  orgId: string,
  workloadId: string,
): Promise<{ id: string; hostId: string; externalId: string }> {
  const found = await prisma.workload.findFirst({
    where: { id: workloadId, host: { orgId } },
    select: { id: true, hostId: true, externalId: true },
  });
  if (!found) throw new AppError("not_found", "No such workload.");
  return found;
}

export async function getWorkloadDetail(deps: Deps, orgId: string, workloadId: string): Promise<WorkloadDetail> {
  const w = await deps.prisma.workload.findFirst({
    where: { id: workloadId, host: { orgId } },
    include: { host: { select: { id: true, name: true, status: true, cpuCores: true, intervalMs: true } } },
  });
  if (!w) throw new AppError("not_found", "No such workload.");
  const reporting = !w.removedAt && w.host.status !== "offline";
  const sample = reporting
    ? (await latestWorkloadSamples(deps.pool, w.hostId)).find((s) => s.workloadId === w.externalId)
    : undefined;
  return {
    id: w.id,
    externalId: w.externalId,
    kind: w.kind,
    driver: w.driver,
    name: w.name,
    state: w.state,
    image: w.image,
    vcpus: w.vcpus,
    memoryBytes: w.memoryBytes === null ? null : Number(w.memoryBytes),
    ports: storedPorts.parse(w.ports),
    labels: storedLabels.parse(w.labels),
    createdAt: w.createdAt?.toISOString() ?? null,
    startedAt: w.startedAt?.toISOString() ?? null,
    updatedAt: w.updatedAt.toISOString(),
    removedAt: w.removedAt?.toISOString() ?? null,
    host: w.host,
    now: sample
      ? {
          ts: sample.ts,
          cpuCores: sample.cpuCores,
          memUsedBytes: sample.memUsedBytes,
          netRxBps: sample.netRxBps,
          netTxBps: sample.netTxBps,
          diskReadBps: sample.diskReadBps,
          diskWriteBps: sample.diskWriteBps,
        }
      : null,
  };
}
