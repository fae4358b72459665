/**
 * The scheduler's view of an organisation's hosts, read from PostgreSQL: capacity from the host
 * rows, use from the latest metrics, reservations from deployment replicas, taken host ports
 * from the inventory. Kept apart from the pure scheduler so that stays trivially testable.
 */
import { latestHostSamples, latestWorkloadSamples } from "@flotilla/db";
import { portMappingSchema } from "@flotilla/protocol";
import { z } from "zod";
import type { Services } from "../services.js";
import type { SchedulerHost } from "./scheduler.js";
import { fixedPorts, readConfig, replicaRequest } from "./spec.js";

type Deps = Pick<Services, "prisma" | "pool">;

/** Replica states that hold (or are about to hold) a container on their host. */
export const PLACED_STATES = ["pending", "creating", "running", "removing"] as const;
const PORT_HOLDING_STATES = new Set(["running", "restarting", "paused"]);

const storedPorts = z.array(portMappingSchema).catch([]);
const storedLabels = z.record(z.string(), z.unknown()).catch({});

/**
 * Which deployment's replicas to count per host (for spread), leaving out replicas about to be
 * replaced: they still reserve capacity, but will not stay.
 */
export interface ReplicaCount {
  deploymentId: string;
  leaving?: readonly string[];
}

/** Every host of the organisation (of one team when `teamId` is given), as the scheduler needs it. */
export async function loadSchedulerHosts(
  deps: Deps,
  orgId: string,
  count: ReplicaCount | null,
  teamId?: string,
): Promise<SchedulerHost[]> {
  const hosts = await deps.prisma.host.findMany({
    where: { orgId, ...(teamId ? { teamId } : {}) },
    select: { id: true, name: true, status: true, labels: true, cpuCores: true, memoryBytes: true },
  });
  if (hosts.length === 0) return [];
  const hostIds = hosts.map((h) => h.id);
  const [samples, replicas, workloads] = await Promise.all([
    latestHostSamples(deps.pool, hostIds),
    deps.prisma.deploymentReplica.findMany({
      where: { hostId: { in: hostIds }, state: { in: [...PLACED_STATES] } },
      select: {
        id: true,
        hostId: true,
        externalId: true,
        state: true,
        deploymentId: true,
        deployment: { select: { config: true } },
      },
    }),
    deps.prisma.workload.findMany({
      where: { hostId: { in: hostIds }, removedAt: null, kind: "container" },
      select: { hostId: true, state: true, ports: true },
    }),
  ]);
  const measured = await measuredReplicaUse(deps, replicas);
  const sampleByHost = new Map(samples.map((s) => [s.hostId, s]));

  return hosts.map((h) => {
    const sample = sampleByHost.get(h.id);
    const here = replicas.filter((r) => r.hostId === h.id);
    let reservedCpu = 0;
    let reservedMemoryBytes = 0;
    const usedPorts = new Set<string>();
    for (const r of here) {
      const config = readConfig(r.deployment.config);
      const request = replicaRequest(config);
      const use = r.externalId ? measured.get(`${h.id}/${r.externalId}`) : undefined;
      // A replica counts at least what it asked for: only the part its measured use does not show yet.
      reservedCpu += Math.max(0, request.cpus - (use?.cpu ?? 0));
      reservedMemoryBytes += Math.max(0, request.memoryBytes - (use?.memory ?? 0));
      // Ports of replicas not yet in the inventory are taken all the same.
      if (r.state === "pending" || r.state === "creating") for (const p of fixedPorts(config)) usedPorts.add(p);
    }
    for (const w of workloads) {
      if (w.hostId !== h.id || !PORT_HOLDING_STATES.has(w.state)) continue;
      for (const p of storedPorts.parse(w.ports)) if (p.hostPort) usedPorts.add(`${p.protocol}/${p.hostPort}`);
    }
    return {
      id: h.id,
      name: h.name,
      status: h.status,
      labels: Object.fromEntries(Object.entries(storedLabels.parse(h.labels)).map(([k, v]) => [k, String(v)])),
      cpuCores: h.cpuCores,
      memoryBytes: Number(h.memoryBytes),
      usedCpu: sample ? (sample.cpuCores ?? 0) : null,
      usedMemoryBytes: sample ? (sample.memUsedBytes ?? 0) : null,
      reservedCpu,
      reservedMemoryBytes,
      usedPorts: [...usedPorts],
      replicasHere: count
        ? here.filter((r) => r.deploymentId === count.deploymentId && !count.leaving?.includes(r.id)).length
        : 0,
    };
  });
}

/** Latest measured CPU and memory of each placed replica's container, by "hostId/externalId". */
async function measuredReplicaUse(
  deps: Deps,
  replicas: ReadonlyArray<{ hostId: string; externalId: string | null }>,
): Promise<Map<string, { cpu: number; memory: number }>> {
  const hostsWithContainers = [...new Set(replicas.filter((r) => r.externalId).map((r) => r.hostId))];
  const result = new Map<string, { cpu: number; memory: number }>();
  const perHost = await Promise.all(hostsWithContainers.map((id) => latestWorkloadSamples(deps.pool, id)));
  for (const samples of perHost) {
    for (const s of samples) {
      result.set(`${s.hostId}/${s.workloadId}`, { cpu: s.cpuCores ?? 0, memory: s.memUsedBytes ?? 0 });
    }
  }
  return result;
}
