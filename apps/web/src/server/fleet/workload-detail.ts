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
  /**
   * Who holds the workload (a migration, a plan step) while it is held: every other command on
   * it is refused until then. `acquiredBy` is the person who asked (an e-mail or a name).
   */
  lease: { holder: string; acquiredBy: string; since: string } | null;
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

/** The workload's unexpired lease, scoped to the organisation the workload's host belongs to. */
async function currentLease(prisma: PrismaClient, orgId: string, workloadId: string): Promise<WorkloadDetail["lease"]> {
  const lease = await prisma.workloadLease.findFirst({
    where: { workloadId, expiresAt: { gt: new Date() }, workload: { host: { orgId } } },
    select: { holder: true, acquiredBy: true, since: true },
  });
  if (!lease) return null;
  let acquiredBy = lease.acquiredBy;
  // A "user:<id>" label names a member of this organisation; show who that is.
  const userId = acquiredBy.startsWith("user:") ? acquiredBy.slice("user:".length) : null;
  if (userId) {
    const user = await prisma.user.findFirst({
      where: { id: userId, memberships: { some: { orgId } } },
      select: { email: true, name: true },
    });
    if (user) acquiredBy = user.email || user.name;
  }
  return { holder: lease.holder, acquiredBy, since: lease.since.toISOString() };
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
  const lease = w.removedAt ? null : await currentLease(deps.prisma, orgId, w.id);
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
    lease,
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
