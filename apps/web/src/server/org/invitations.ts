/**
 * Invitations: a link /invite/<token> that lets one email address join a team with a role,
 * until it expires or is revoked. Only the token's sha256 is stored; it is shown once.
 */
import { hashPassword, verifyPassword } from "@flotilla/db";
import type { TeamRole } from "../access/permissions.js";
import type { Principal } from "../access/principal.js";
import { teamsWith } from "../access/scope.js";
import { generateToken, hashToken } from "../auth/tokens.js";
import { AppError } from "../errors.js";
import type { PrismaClient } from "../services.js";

export const INVITE_PATH = "/invite/";
export const MIN_PASSWORD_LENGTH = 12;

export async function createInvitation(
  prisma: PrismaClient,
  principal: Principal,
  input: { teamId: string; email: string; role: TeamRole; ttlHours: number },
) {
  const token = generateToken();
  const row = await prisma.invitation.create({
    data: {
      orgId: principal.orgId,
      teamId: input.teamId,
      email: input.email.trim().toLowerCase(),
      role: input.role,
      tokenHash: hashToken(token),
      expiresAt: new Date(Date.now() + input.ttlHours * 3_600_000),
      createdById: principal.userId,
    },
    select: { id: true, expiresAt: true, email: true, role: true, teamId: true },
  });
  return { ...row, token, path: `${INVITE_PATH}${token}` };
}

function stateOf(row: { acceptedAt: Date | null; revokedAt: Date | null; expiresAt: Date }) {
  if (row.acceptedAt) return "accepted" as const;
  if (row.revokedAt) return "revoked" as const;
  if (row.expiresAt.getTime() <= Date.now()) return "expired" as const;
  return "pending" as const;
}

export async function listInvitations(prisma: PrismaClient, principal: Principal, teamId?: string) {
  const managed = teamsWith(principal, "members.manage");
  const rows = await prisma.invitation.findMany({
    where: {
      orgId: principal.orgId,
      ...(managed === "all" ? {} : { teamId: { in: managed } }),
      ...(teamId ? { teamId } : {}),
    },
    orderBy: { createdAt: "desc" },
    take: 500,
    include: { team: { select: { name: true } } },
  });
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    teamId: r.teamId,
    teamName: r.team.name,
    role: r.role,
    expiresAt: r.expiresAt,
    createdAt: r.createdAt,
    acceptedAt: r.acceptedAt,
    revokedAt: r.revokedAt,
    state: stateOf(r),
  }));
}

export async function revokeInvitation(prisma: PrismaClient, id: string) {
  await prisma.invitation.updateMany({
    where: { id, acceptedAt: null, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return { ok: true as const };
}

async function findInvitation(prisma: PrismaClient, token: string) {
  if (token.length > 200) return null;
  return prisma.invitation.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { org: { select: { name: true } }, team: { select: { name: true } } },
  });
}

const INVALID = "This invitation link is not valid: it may have expired, been used or been revoked.";

export async function previewInvitation(prisma: PrismaClient, token: string) {
  const row = await findInvitation(prisma, token);
  if (!row) throw new AppError("not_found", INVALID);
  const account = await prisma.user.findUnique({ where: { email: row.email }, select: { id: true } });
  return {
    orgName: row.org.name,
    teamName: row.team.name,
    role: row.role,
    email: row.email,
    expiresAt: row.expiresAt,
    accountExists: account !== null,
    state: stateOf(row),
  };
}

export interface AcceptInput {
  token: string;
  /** For a new account. */
  name?: string;
  /** A new account's password, or the existing account's to prove it is theirs. */
  password?: string;
}

/**
 * Accepts an invitation: as the signed-in user whose email it names, or by creating the
 * account (name + password), or by proving an existing account's password. Returns the user
 * and organisation to start a session in. Used once: a second use is refused.
 */
export async function acceptInvitation(
  prisma: PrismaClient,
  caller: Principal | null,
  input: AcceptInput,
): Promise<{ userId: string; orgId: string; signInNeeded: boolean }> {
  const row = await findInvitation(prisma, input.token);
  if (!row || stateOf(row) !== "pending") throw new AppError("not_found", INVALID);
  let user = await prisma.user.findUnique({ where: { email: row.email } });
  if (caller && caller.kind === "session" && user?.id === caller.userId) {
    // Signed in as the invited person: nothing to prove.
  } else if (user) {
    if (!input.password || !(await verifyPassword(user.passwordHash, input.password))) {
      throw new AppError("unauthorized", `Enter the password of ${row.email} to join.`);
    }
  } else {
    if (!input.name?.trim()) throw new AppError("invalid", "name: give your name.");
    if (!input.password || input.password.length < MIN_PASSWORD_LENGTH) {
      throw new AppError("invalid", `password: use at least ${MIN_PASSWORD_LENGTH} characters.`);
    }
    user = await prisma.user.create({
      data: { email: row.email, name: input.name.trim(), passwordHash: await hashPassword(input.password) },
    });
  }
  const userId = user.id;
  // Claim the invitation first, so two concurrent accepts cannot both succeed.
  const claimed = await prisma.invitation.updateMany({
    where: { id: row.id, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
    data: { acceptedAt: new Date(), acceptedById: userId },
  });
  if (claimed.count === 0) throw new AppError("not_found", INVALID);
  await prisma.$transaction([
    prisma.orgMember.upsert({
      where: { orgId_userId: { orgId: row.orgId, userId } },
      update: {},
      create: { orgId: row.orgId, userId, role: null },
    }),
    prisma.teamMember.upsert({
      where: { teamId_userId: { teamId: row.teamId, userId } },
      update: { role: row.role, customRoleId: null },
      create: { teamId: row.teamId, userId, role: row.role },
    }),
  ]);
  return { userId, orgId: row.orgId, signInNeeded: !(caller?.kind === "session" && caller.userId === userId) };
}
