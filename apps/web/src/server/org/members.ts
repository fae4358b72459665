/** Team memberships: who is in which team with which role; removing people. */

import type { TeamRole } from "../access/permissions.js";
import type { Principal } from "../access/principal.js";
import { teamsWith } from "../access/scope.js";
import { AppError } from "../errors.js";
import type { PrismaClient } from "../services.js";

/** Members of the teams the caller manages (owner: all), each with their roles in those teams. */
export async function listMembers(prisma: PrismaClient, principal: Principal, teamId?: string) {
  const managed = teamsWith(principal, "members.manage");
  const teamFilter = managed === "all" ? {} : { teamId: { in: managed } };
  const [members, teamRows] = await Promise.all([
    prisma.orgMember.findMany({
      where: { orgId: principal.orgId },
      select: { role: true, createdAt: true, user: { select: { id: true, email: true, name: true } } },
      orderBy: { createdAt: "asc" },
    }),
    prisma.teamMember.findMany({
      where: { team: { orgId: principal.orgId }, ...teamFilter, ...(teamId ? { teamId } : {}) },
      select: { teamId: true, userId: true, role: true, customRoleId: true, team: { select: { name: true } } },
    }),
  ]);
  const byUser = new Map<string, typeof teamRows>();
  for (const row of teamRows) byUser.set(row.userId, [...(byUser.get(row.userId) ?? []), row]);
  // A team admin sees the members of their teams; the owner (managed "all") sees everyone.
  return members
    .filter((m) => (managed === "all" && !teamId) || byUser.has(m.user.id))
    .map((m) => ({
      userId: m.user.id,
      email: m.user.email,
      name: m.user.name,
      orgRole: m.role,
      joinedAt: m.createdAt,
      teams: (byUser.get(m.user.id) ?? []).map((t) => ({
        teamId: t.teamId,
        teamName: t.team.name,
        role: t.role,
        customRoleId: t.customRoleId,
      })),
    }));
}

/** Gives `userId` a role (or custom role) in the team; they must already belong to the organisation. */
export async function setTeamRole(
  prisma: PrismaClient,
  principal: Principal,
  input: { teamId: string; userId: string; role?: TeamRole; customRoleId?: string },
) {
  if (!input.role && !input.customRoleId) throw new AppError("invalid", "Give a role or a custom role.");
  const member = await prisma.orgMember.findUnique({
    where: { orgId_userId: { orgId: principal.orgId, userId: input.userId } },
  });
  if (!member) throw new AppError("not_found", "Not found, or not yours to see.");
  if (input.customRoleId) {
    const custom = await prisma.customRole.findFirst({ where: { id: input.customRoleId, orgId: principal.orgId } });
    if (!custom) throw new AppError("not_found", "No such custom role.");
  }
  const data = { role: input.role ?? "viewer", customRoleId: input.customRoleId ?? null };
  await prisma.teamMember.upsert({
    where: { teamId_userId: { teamId: input.teamId, userId: input.userId } },
    update: data,
    create: { teamId: input.teamId, userId: input.userId, ...data },
  });
  return { ok: true as const };
}

export async function removeFromTeam(prisma: PrismaClient, input: { teamId: string; userId: string }) {
  const { count } = await prisma.teamMember.deleteMany({ where: { teamId: input.teamId, userId: input.userId } });
  if (count === 0) throw new AppError("not_found", "Not found, or not yours to see.");
  return { ok: true as const };
}

/** Removes someone from the organisation: memberships, sessions there and their tokens. Not the owner. */
export async function removeFromOrg(prisma: PrismaClient, principal: Principal, userId: string) {
  const member = await prisma.orgMember.findUnique({ where: { orgId_userId: { orgId: principal.orgId, userId } } });
  if (!member) throw new AppError("not_found", "Not found, or not yours to see.");
  if (member.role === "owner") throw new AppError("conflict", "The organisation owner cannot be removed.");
  await prisma.$transaction([
    prisma.teamMember.deleteMany({ where: { userId, team: { orgId: principal.orgId } } }),
    prisma.apiToken.updateMany({
      where: { userId, orgId: principal.orgId, revokedAt: null },
      data: { revokedAt: new Date() },
    }),
    prisma.session.deleteMany({ where: { userId, orgId: principal.orgId } }),
    prisma.orgMember.delete({ where: { orgId_userId: { orgId: principal.orgId, userId } } }),
  ]);
  return { ok: true as const };
}
