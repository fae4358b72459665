/**
 * Removing a host from the fleet (decommissioned, replaced, dead for good): its agent is cut off
 * on whichever node holds it, its open alerts end, and the host goes with its history (workloads,
 * events, commands, migrations; samples age out with retention). A host still running workloads
 * must be evacuated first; one that is offline can be removed with its workloads forgotten (they
 * are not stopped: nothing can reach them).
 */

import { planHosts } from "../alerts/auto-silence.js";
import { AppError } from "../errors.js";
import { ACTIVE_MIGRATION_STATES } from "../migrations/migration-view.js";
import type { Services } from "../services.js";
import { AGENT_REVOKED_CHANNEL, revocationNotice } from "./agent-revocation.js";

type Deps = Pick<Services, "prisma" | "live" | "log">;
type Tx = Parameters<Parameters<Services["prisma"]["$transaction"]>[0]>[0];

export interface RemovedHost {
  id: string;
  name: string;
  /** Workloads the fleet knew on it, forgotten with it (an offline host only). */
  workloadsForgotten: number;
}

export async function removeHost(deps: Deps, orgId: string, hostId: string): Promise<RemovedHost> {
  const removed = await deps.prisma.$transaction(async (tx) => {
    // The row lock orders this against work starting on the host: a migration or evacuation
    // row referencing it waits for this transaction (and then finds no host), or was committed
    // first and is seen by the checks below.
    const locked = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM hosts WHERE id = ${hostId} AND org_id = ${orgId} FOR UPDATE`;
    if (locked.length === 0) throw new AppError("not_found", "No such host.");
    const host = await tx.host.findUniqueOrThrow({
      where: { id: hostId },
      select: { id: true, name: true, status: true, teamId: true, agent: { select: { id: true } } },
    });
    await refuseWhileInUse(tx, orgId, host);
    const workloads = await tx.workload.count({ where: { hostId, removedAt: null } });
    if (workloads > 0 && host.status !== "offline")
      throw new AppError(
        "conflict",
        `${workloads} workload(s) still run on ${host.name}: evacuate it first (Maintenance → Evacuate), ` +
          "or remove it once it is offline to forget them.",
      );
    await tx.alertInstance.updateMany({
      where: { hostId, state: { in: ["pending", "firing"] } },
      data: { state: "resolved", resolvedAt: new Date() },
    });
    // Its agent row goes with it (cascade), so its credential no longer authenticates.
    await tx.host.delete({ where: { id: hostId } });
    // Delivered at commit, and only if it commits: every node closes the agent's connection.
    if (host.agent)
      await tx.$executeRaw`SELECT pg_notify(${AGENT_REVOKED_CHANNEL}, ${revocationNotice(host.agent.id, "this host was removed from the fleet")})`;
    return { ...host, workloadsForgotten: workloads };
  });
  deps.live.hostInventory(orgId, { hostId });
  deps.live.alertsChanged(orgId, removed.teamId, { changed: 0 });
  deps.log.info({ hostId, name: removed.name, workloadsForgotten: removed.workloadsForgotten }, "host removed");
  return { id: removed.id, name: removed.name, workloadsForgotten: removed.workloadsForgotten };
}

/** Refuses while a migration, an evacuation or a consolidation plan works on the host. */
async function refuseWhileInUse(tx: Tx, orgId: string, host: { id: string; name: string }) {
  const [migration, evacuation, plans] = await Promise.all([
    tx.migration.findFirst({
      where: {
        orgId,
        state: { in: [...ACTIVE_MIGRATION_STATES] },
        OR: [{ sourceHostId: host.id }, { targetHostId: host.id }],
      },
      select: { id: true },
    }),
    tx.evacuation.findFirst({
      where: { hostId: host.id, state: { in: ["planning", "running"] } },
      select: { id: true },
    }),
    tx.plan.findMany({
      where: { orgId, state: { in: ["approved", "running"] } },
      select: { execution: true, output: true },
    }),
  ]);
  const busy = migration
    ? "a running migration"
    : evacuation
      ? "its evacuation"
      : plans.some((p) => planHosts(p.execution, p.output).includes(host.id))
        ? "an approved consolidation plan"
        : null;
  if (busy)
    throw new AppError("conflict", `${host.name} is in use by ${busy}: wait for it to end, or cancel it, first.`);
}
