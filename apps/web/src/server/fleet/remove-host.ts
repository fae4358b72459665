/**
 * Removing a host from the fleet (decommissioned, replaced, dead for good): its agent's credential
 * is revoked and its connection closed on whichever node holds it, its open alerts end, and the
 * host goes with its history (workloads, events, commands, migrations; samples age out with
 * retention). A host still running workloads must be evacuated first; one that is offline can be
 * removed with its workloads forgotten (they are not stopped: nothing can reach them).
 */
import { findBusyHosts } from "../alerts/auto-silence.js";
import { AppError } from "../errors.js";
import type { Services } from "../services.js";
import { announceAgentRevoked } from "./agent-revocation.js";

type Deps = Pick<Services, "prisma" | "pool" | "live" | "log">;

export interface RemovedHost {
  id: string;
  name: string;
  /** Workloads the fleet knew on it, forgotten with it (an offline host only). */
  workloadsForgotten: number;
}

export async function removeHost(deps: Deps, orgId: string, hostId: string): Promise<RemovedHost> {
  const { prisma } = deps;
  const host = await prisma.host.findFirst({
    where: { id: hostId, orgId },
    select: { id: true, name: true, status: true, teamId: true, agent: { select: { id: true } } },
  });
  if (!host) throw new AppError("not_found", "No such host.");
  const busy = (await findBusyHosts(prisma, [orgId])).get(host.id);
  if (busy && busy !== "maintenance")
    throw new AppError(
      "conflict",
      `${host.name} is in use by a running ${busy.split(":")[0]}: wait for it to end first.`,
    );
  const workloads = await prisma.workload.count({ where: { hostId: host.id, removedAt: null } });
  if (workloads > 0 && host.status !== "offline")
    throw new AppError(
      "conflict",
      `${workloads} workload(s) still run on ${host.name}: evacuate it first (Maintenance → Evacuate), ` +
        "or remove it once it is offline to forget them.",
    );

  const now = new Date();
  await prisma.$transaction([
    prisma.agent.updateMany({ where: { hostId: host.id, revokedAt: null }, data: { revokedAt: now } }),
    prisma.alertInstance.updateMany({
      where: { hostId: host.id, state: { in: ["pending", "firing"] } },
      data: { state: "resolved", resolvedAt: now },
    }),
    prisma.host.delete({ where: { id: host.id } }),
  ]);
  if (host.agent) {
    await announceAgentRevoked(deps.pool, host.agent.id, "this host was removed from the fleet").catch((err: unknown) =>
      deps.log.warn({ err, hostId }, "could not announce the agent's revocation"),
    );
  }
  deps.live.hostInventory(orgId, { hostId: host.id });
  deps.live.alertsChanged(orgId, host.teamId, { changed: 0 });
  deps.log.info({ hostId: host.id, name: host.name, workloadsForgotten: workloads }, "host removed");
  return { id: host.id, name: host.name, workloadsForgotten: workloads };
}
