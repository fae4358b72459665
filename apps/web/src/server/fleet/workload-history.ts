/**
 * What happened to one workload, newest first: the state changes recorded when inventories
 * were applied, merged with the agent's events about it (HostEvent.workloadId is the driver's id).
 */
import type { Services } from "../services.js";
import { findWorkloadInOrg } from "./workload-detail.js";

export type WorkloadHistoryItem =
  | { type: "state"; id: string; at: string; fromState: string | null; toState: string }
  | { type: "event"; id: string; at: string; kind: string; message: string };

export async function getWorkloadHistory(
  deps: Pick<Services, "prisma">,
  orgId: string,
  input: { workloadId: string; limit: number },
): Promise<WorkloadHistoryItem[]> {
  const w = await findWorkloadInOrg(deps.prisma, orgId, input.workloadId);
  const [changes, events] = await Promise.all([
    deps.prisma.workloadStateChange.findMany({
      where: { workloadId: w.id },
      orderBy: [{ at: "desc" }, { id: "desc" }],
      take: input.limit,
    }),
    deps.prisma.hostEvent.findMany({
      where: { hostId: w.hostId, workloadId: w.externalId },
      orderBy: [{ at: "desc" }, { id: "desc" }],
      take: input.limit,
      select: { id: true, at: true, kind: true, message: true },
    }),
  ]);
  const items: Array<WorkloadHistoryItem & { ms: number }> = [
    ...changes.map((c) => ({
      type: "state" as const,
      id: `state:${c.id}`,
      at: c.at.toISOString(),
      ms: c.at.getTime(),
      fromState: c.fromState,
      toState: c.toState,
    })),
    ...events.map((e) => ({
      type: "event" as const,
      id: `event:${e.id}`,
      at: e.at.toISOString(),
      ms: e.at.getTime(),
      kind: e.kind,
      message: e.message,
    })),
  ];
  // Stable sort: at equal times a state change (listed first) stays before its event.
  items.sort((a, b) => b.ms - a.ms);
  return items.slice(0, input.limit).map(({ ms: _ms, ...item }) => item);
}
