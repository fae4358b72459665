/**
 * Browser sessions: a random token in the `flotilla_session` cookie, its sha256 in the
 * Session table. A session belongs to one user in one organisation; it ends when unused for
 * the idle limit or at its absolute expiry, whichever comes first. Roles are read from the
 * memberships on every request, so removing a member or changing a role takes effect at once.
 */
import { loadGrants, makePrincipal, type Principal } from "../access/principal.js";
import type { PrismaClient } from "../services.js";
import { generateToken, hashToken } from "./tokens.js";

/** The caller of a request: a signed-in user or an API token (see access/principal.ts). */
export type SessionInfo = Principal;

/** How stale `lastSeenAt` may get before a request refreshes it (saves a write per request). */
const TOUCH_AFTER_MS = 60_000;

export interface SessionLimits {
  /** Absolute lifetime from sign-in. */
  ttlMs: number;
  /** Longest gap between two requests. */
  idleMs: number;
}

export async function createSession(
  prisma: PrismaClient,
  input: { userId: string; orgId: string; ttlMs: number; ip: string; userAgent: string | undefined },
): Promise<{ token: string; expiresAt: Date; handle: string }> {
  const token = generateToken();
  const expiresAt = new Date(Date.now() + input.ttlMs);
  const row = await prisma.session.create({
    data: {
      id: hashToken(token),
      userId: input.userId,
      orgId: input.orgId,
      expiresAt,
      ip: input.ip,
      userAgent: input.userAgent?.slice(0, 512) ?? null,
    },
    select: { handle: true },
  });
  return { token, expiresAt, handle: row.handle };
}

/** The live session for a cookie token, or null (unknown, expired, idle too long, or no longer a member). */
export async function findSession(
  prisma: PrismaClient,
  token: string | null,
  limits: SessionLimits,
): Promise<SessionInfo | null> {
  if (!token || token.length > 200) return null;
  const id = hashToken(token);
  const session = await prisma.session.findUnique({ where: { id } });
  if (!session) return null;
  const now = Date.now();
  if (session.expiresAt.getTime() <= now || now - session.lastSeenAt.getTime() > limits.idleMs) {
    await prisma.session.deleteMany({ where: { id } });
    return null;
  }
  const grants = await loadGrants(prisma, session.orgId, session.userId);
  if (!grants) return null;
  if (now - session.lastSeenAt.getTime() > TOUCH_AFTER_MS) {
    await prisma.session.updateMany({ where: { id }, data: { lastSeenAt: new Date(now) } });
  }
  return makePrincipal(
    { kind: "session", userId: session.userId, orgId: session.orgId, credentialId: session.handle },
    grants,
  );
}

export async function deleteSession(prisma: PrismaClient, token: string | null): Promise<void> {
  if (!token || token.length > 200) return;
  await prisma.session.deleteMany({ where: { id: hashToken(token) } });
}

/** The user's live sessions, newest first, marking the one making the request. */
export async function listSessions(prisma: PrismaClient, userId: string, currentHandle: string | null) {
  const rows = await prisma.session.findMany({
    where: { userId, expiresAt: { gt: new Date() } },
    orderBy: { lastSeenAt: "desc" },
    select: {
      handle: true,
      orgId: true,
      createdAt: true,
      lastSeenAt: true,
      expiresAt: true,
      ip: true,
      userAgent: true,
    },
  });
  return rows.map((row) => ({ ...row, current: row.handle === currentHandle }));
}

/** Ends one of the user's sessions by its handle; false when there is no such session of theirs. */
export async function revokeSession(prisma: PrismaClient, userId: string, handle: string): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(handle)) return false;
  const { count } = await prisma.session.deleteMany({ where: { userId, handle } });
  return count > 0;
}

/** Ends all the user's sessions, or all but `keepHandle`; returns how many ended. */
export async function revokeAllSessions(prisma: PrismaClient, userId: string, keepHandle?: string): Promise<number> {
  const { count } = await prisma.session.deleteMany({
    where: { userId, ...(keepHandle ? { handle: { not: keepHandle } } : {}) },
  });
  return count;
}
