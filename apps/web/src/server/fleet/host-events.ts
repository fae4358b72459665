/**
 * A host's events (agent-reported: a container exited, a VM was created), newest first, in
 * pages. The cursor is the id of the oldest event already shown; ties on time are ordered by id
 * so that no event falls between two pages.
 */
import { AppError } from "../errors.js";
import type { Services } from "../services.js";
import { assertHostInOrg } from "./host-rows.js";

export interface HostEventRow {
  id: string;
  at: string;
  kind: string;
  message: string;
  /** The driver's id of the workload the event is about, if any. */
  workloadExternalId: string | null;
  /** That workload's row when we know it (also when it was removed since), for a link. */
  workload: { id: string; name: string; kind: "vm" | "container" } | null;
}

export interface HostEventsPage {
  events: HostEventRow[];
  /** Pass as `before` to read the next (older) page; null when there is none. */
  nextBefore: string | null;
}

export async function listHostEvents(
  deps: Pick<Services, "prisma">,
  orgId: string,
  input: { hostId: string; limit: number; before?: string | undefined },
): Promise<HostEventsPage> {
  const { prisma } = deps;
  await assertHostInOrg(prisma, orgId, input.hostId);
  let olderThan = {};
  if (input.before !== undefined) {
    const cursor = await prisma.hostEvent.findFirst({
      where: { id: input.before, hostId: input.hostId },
      select: { id: true, at: true },
    });
    if (!cursor) throw new AppError("invalid", "That page of events is no longer available; reload the list.");
    olderThan = { OR: [{ at: { lt: cursor.at } }, { at: cursor.at, id: { lt: cursor.id } }] };
  }
  const rows = await prisma.hostEvent.findMany({
    where: { hostId: input.hostId, ...olderThan },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: input.limit + 1,
    select: { id: true, at: true, kind: true, message: true, workloadId: true },
  });
  const page = rows.slice(0, input.limit);
  const externalIds = [...new Set(page.flatMap((e) => (e.workloadId ? [e.workloadId] : [])))];
  const workloads =
    externalIds.length === 0
      ? []
      : await prisma.workload.findMany({
          where: { hostId: input.hostId, externalId: { in: externalIds } },
          select: { id: true, name: true, kind: true, externalId: true },
        });
  const byExternalId = new Map(workloads.map((w) => [w.externalId, w]));
  return {
    events: page.map((e) => {
      const w = e.workloadId ? byExternalId.get(e.workloadId) : undefined;
      return {
        id: e.id,
        at: e.at.toISOString(),
        kind: e.kind,
        message: e.message,
        workloadExternalId: e.workloadId,
        workload: w ? { id: w.id, name: w.name, kind: w.kind } : null,
      };
    }),
    nextBefore: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
  };
}
