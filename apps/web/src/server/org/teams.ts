/** Teams of an organisation: list what the caller can read, create, rename, delete, move a host. */

import { roleWithin } from "../access/permissions.js";
import type { Principal } from "../access/principal.js";
import { permissionsIn } from "../access/principal.js";
import { teamsWith } from "../access/scope.js";
import { AppError } from "../errors.js";
import type { PrismaClient } from "../services.js";

export async function listTeams(prisma: PrismaClient, principal: Principal) {
  const readable = teamsWith(principal, "fleet.read");
  const teams = await prisma.team.findMany({
    where: { orgId: principal.orgId, ...(readable === "all" ? {} : { id: { in: readable } }) },
    orderBy: { createdAt: "asc" },
    select: { id: true, name: true, createdAt: true, _count: { select: { hosts: true, members: true } } },
  });
  return teams.map((t) => {
    const permissions = [...permissionsIn(principal, t.id)].sort();
    return {
      id: t.id,
      name: t.name,
      createdAt: t.createdAt,
      hostCount: t._count.hosts,
      memberCount: t._count.members,
      myRole: principal.owner ? "owner" : roleWithin(new Set(permissions)),
      permissions,
    };
  });
}

function uniqueName<T>(work: Promise<T>): Promise<T> {
  return work.catch((err: unknown) => {
    if (err && typeof err === "object" && "code" in err && err.code === "P2002") {
      throw new AppError("conflict", "A team with that name exists already.");
    }
    throw err;
  });
}

export function createTeam(prisma: PrismaClient, orgId: string, name: string) {
  return uniqueName(prisma.team.create({ data: { orgId, name }, select: { id: true, name: true } }));
}

export function renameTeam(prisma: PrismaClient, id: string, name: string) {
  return uniqueName(prisma.team.update({ where: { id }, data: { name }, select: { id: true, name: true } }));
}

/** Deletes an empty team; one that still has hosts, deployments or stacks is refused. */
export async function deleteTeam(prisma: PrismaClient, id: string) {
  const counts = await prisma.team.findUniqueOrThrow({
    where: { id },
    select: { _count: { select: { hosts: true, deployments: true, stacks: true } } },
  });
  const { hosts, deployments, stacks } = counts._count;
  if (hosts + deployments + stacks > 0) {
    throw new AppError(
      "conflict",
      `The team still has ${hosts} host(s), ${deployments} deployment(s) and ${stacks} stack(s): move them first.`,
    );
  }
  await prisma.team.delete({ where: { id } });
  return { ok: true as const };
}

/** Moves a host (and so its workloads, commands and migrations) to another team of the same organisation. */
export async function moveHost(prisma: PrismaClient, hostId: string, teamId: string) {
  await prisma.host.update({ where: { id: hostId }, data: { teamId } });
  return { ok: true as const };
}
