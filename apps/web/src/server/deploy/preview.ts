/** The placement preview: the scheduler run on the live fleet without side effects, as a rollout would run it. */
import { AppError } from "../errors.js";
import type { Services } from "../services.js";
import { loadSchedulerHosts } from "./capacity.js";
import type { PreviewPlacementInput } from "./inputs.js";
import { exclusionReason, freeCapacity, placeReplicas } from "./scheduler.js";
import { replicaRequest } from "./spec.js";

export interface PlacementPreview {
  ok: boolean;
  /** One entry per replica that fits, in placement order. */
  placements: Array<{ hostId: string; hostName: string }>;
  /** Why the rest does not fit. */
  message: string | null;
  /** Every host with what it has free, and why it is not a candidate (null when it is). */
  hosts: Array<{
    id: string;
    name: string;
    status: "online" | "offline" | "maintenance";
    freeCpu: number;
    freeMemoryBytes: number;
    metricsKnown: boolean;
    excludedBecause: string | null;
  }>;
}

export async function previewPlacement(
  deps: Pick<Services, "prisma" | "pool">,
  orgId: string,
  input: PreviewPlacementInput,
): Promise<PlacementPreview> {
  let teamId = input.teamId;
  if (input.deploymentId) {
    const found = await deps.prisma.deployment.findFirst({
      where: { id: input.deploymentId, orgId },
      select: { id: true, teamId: true },
    });
    if (!found) throw new AppError("not_found", "No such deployment.");
    teamId ??= found.teamId;
  }
  // A team's replicas run on its own hosts (see rollout.ts), so only those are shown.
  const hosts = await loadSchedulerHosts(
    deps,
    orgId,
    input.deploymentId ? { deploymentId: input.deploymentId } : null,
    teamId,
  );
  const placement = {
    hosts,
    count: input.replicas,
    request: replicaRequest(input.config),
    strategy: input.strategy,
    hostId: input.hostId,
    selector: input.hostSelector,
  };
  const result = placeReplicas(placement);
  const nameOf = new Map(hosts.map((h) => [h.id, h.name]));
  const ids = result.ok ? result.hostIds : result.placed;
  return {
    ok: result.ok,
    placements: ids.map((id) => ({ hostId: id, hostName: nameOf.get(id) ?? id })),
    message: result.ok ? null : result.message,
    hosts: hosts
      .map((h) => {
        const free = freeCapacity(h);
        return {
          id: h.id,
          name: h.name,
          status: h.status,
          freeCpu: Math.max(0, free.cpu),
          freeMemoryBytes: Math.max(0, free.memoryBytes),
          metricsKnown: h.usedCpu !== null,
          excludedBecause: exclusionReason(h, placement),
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}
