/**
 * API tokens for automation: `flt_` + 32 random bytes, of a user or of a team, scoped to a
 * list of permissions, expiring, revocable. Only the sha256 is stored; the token is shown
 * once. A token acts with the narrower of its scope and its maker's CURRENT permissions.
 */

import { isRolePermission, type RolePermission } from "../access/permissions.js";
import { loadGrants, makePrincipal, narrowGrants, type Principal } from "../access/principal.js";
import { generateToken, hashToken } from "../auth/tokens.js";
import { AppError } from "../errors.js";
import type { PrismaClient } from "../services.js";

export const TOKEN_PREFIX = "flt_";
const MAX_TTL_DAYS = 366;

export interface CreateTokenInput {
  name: string;
  permissions: string[];
  /** A team token acts only within this team. */
  teamId?: string;
  ttlDays: number;
}

/** Creates a token for `principal`; the caller may not give it a permission they lack where it acts. */
export async function createApiToken(prisma: PrismaClient, principal: Principal, input: CreateTokenInput) {
  if (principal.kind !== "session")
    throw new AppError("forbidden", "API tokens are made by signed-in people, not by tokens.");
  const unknown = input.permissions.filter((p) => !isRolePermission(p));
  if (unknown.length) throw new AppError("invalid", `Unknown permission(s): ${unknown.join(", ")}.`);
  if (input.ttlDays < 1 || input.ttlDays > MAX_TTL_DAYS)
    throw new AppError("invalid", `A token lives 1 to ${MAX_TTL_DAYS} days.`);
  const held = input.teamId
    ? new Set([...principal.everywhere, ...(principal.perTeam.get(input.teamId) ?? [])])
    : new Set([...principal.everywhere, ...[...principal.perTeam.values()].flatMap((s) => [...s])]);
  const beyond = input.permissions.filter((p) => !held.has(p as RolePermission));
  if (beyond.length) throw new AppError("forbidden", `You do not hold: ${beyond.join(", ")}.`);
  const token = TOKEN_PREFIX + generateToken();
  const row = await prisma.apiToken.create({
    data: {
      orgId: principal.orgId,
      userId: principal.userId,
      teamId: input.teamId ?? null,
      name: input.name,
      prefix: token.slice(0, 10),
      tokenHash: hashToken(token),
      permissions: [...new Set(input.permissions)],
      expiresAt: new Date(Date.now() + input.ttlDays * 86_400_000),
    },
    select: tokenView,
  });
  return { token, ...row };
}

export const tokenView = {
  id: true,
  name: true,
  prefix: true,
  teamId: true,
  userId: true,
  permissions: true,
  expiresAt: true,
  lastUsedAt: true,
  createdAt: true,
  revokedAt: true,
  /** Who made it (a team token's maker, too). */
  user: { select: { id: true, name: true, email: true } },
} as const;

/**
 * Tokens the caller may see: their own, and (with members.manage in the team) their teams'
 * tokens; the owner sees all of the organisation's.
 */
export async function listApiTokens(prisma: PrismaClient, principal: Principal, manageTeams: "all" | string[]) {
  const teamFilter = manageTeams === "all" ? [{}] : [{ teamId: { in: manageTeams } }];
  return prisma.apiToken.findMany({
    where: { orgId: principal.orgId, OR: [{ userId: principal.userId }, ...teamFilter] },
    orderBy: { createdAt: "desc" },
    select: tokenView,
  });
}

export async function revokeApiToken(
  prisma: PrismaClient,
  principal: Principal,
  id: string,
  manageTeams: "all" | string[],
) {
  const row = await prisma.apiToken.findFirst({ where: { id, orgId: principal.orgId } });
  const allowed =
    row &&
    (row.userId === principal.userId ||
      manageTeams === "all" ||
      (row.teamId !== null && manageTeams.includes(row.teamId)));
  if (!row || !allowed) throw new AppError("not_found", "Not found, or not yours to see.");
  await prisma.apiToken.update({ where: { id }, data: { revokedAt: row.revokedAt ?? new Date() } });
  return { ok: true as const };
}

/** The principal for `Authorization: Bearer <token>`, or null if the token is unknown, expired or revoked. */
export async function findTokenPrincipal(prisma: PrismaClient, token: string): Promise<Principal | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const row = await prisma.apiToken.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now()) return null;
  const grants = await loadGrants(prisma, row.orgId, row.userId);
  if (!grants) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await prisma.apiToken.updateMany({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  }
  return makePrincipal(
    { kind: "token", userId: row.userId, orgId: row.orgId, credentialId: row.id },
    narrowGrants(grants, row.permissions, row.teamId),
  );
}

/** The bearer token of an Authorization header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1] ?? null;
}
