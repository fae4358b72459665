/**
 * What an agent's frames do to the fleet's state, apart from the socket: recording a hello,
 * publishing a stored batch to browsers, recording events. AgentConnection calls these in order.
 */
import { lastCommittedSeq } from "@flotilla/db";
import type { EventFrame, HelloFrame, Sample } from "@flotilla/protocol";
import { markHostSeen } from "../fleet/host-liveness.js";
import type { Services } from "../services.js";
import type { AgentIdentity } from "./agent-auth.js";
import { hostMetricsEvent, workloadMetricsEvent } from "./metrics-ingest.js";

type Deps = Pick<Services, "prisma" | "pool" | "live">;

/** Records the agent's version, boot and interval, brings the host online; returns what `welcome` needs. */
export async function registerHello(
  deps: Deps,
  identity: AgentIdentity,
  hello: HelloFrame,
  now = new Date(),
): Promise<{ lastSeq: number; memoryCapacity: number }> {
  const { prisma, pool, live } = deps;
  await prisma.agent.update({
    where: { id: identity.agentId },
    data: { version: hello.agentVersion, lastBootId: hello.bootId },
  });
  const host = await prisma.host.update({
    where: { id: identity.hostId },
    data: { agentVersion: hello.agentVersion, intervalMs: hello.intervalMs, connectedAt: now },
    select: { memoryBytes: true },
  });
  const statusEvent = await markHostSeen(prisma, identity.hostId, now);
  if (statusEvent) live.hostStatus(identity.orgId, statusEvent);
  return { lastSeq: await lastCommittedSeq(pool, identity.agentId), memoryCapacity: Number(host.memoryBytes) };
}

/** Pushes a freshly stored batch to browsers: the host's newest figures, and its workloads'. */
export function publishBatch(deps: Deps, identity: AgentIdentity, samples: readonly Sample[], memoryCapacity: number) {
  const hostEvent = hostMetricsEvent(identity.hostId, samples, memoryCapacity);
  if (hostEvent) deps.live.hostMetrics(identity.orgId, hostEvent);
  const workloadEvent = workloadMetricsEvent(identity.hostId, samples);
  if (workloadEvent) deps.live.workloadMetrics(workloadEvent);
}

/** Stores an agent event once, however often it is resent. */
export async function recordHostEvent(deps: Pick<Services, "prisma">, hostId: string, frame: EventFrame) {
  // Ids are the agent's; prefixing with the host keeps one host's ids from shadowing another's.
  await deps.prisma.hostEvent.createMany({
    data: [
      {
        id: `${hostId}:${frame.id}`,
        hostId,
        workloadId: frame.workloadId ?? null,
        kind: frame.kind,
        message: frame.message,
        data: (frame.data ?? undefined) as object | undefined,
        at: new Date(frame.ts),
      },
    ],
    skipDuplicates: true,
  });
}
