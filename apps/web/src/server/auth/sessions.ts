/**
 * Browser sessions: a random token in the `flotilla_session` cookie, its sha256 in the
 * Session table. A session belongs to one user in one organisation; the role is read from
 * the membership on every request, so removing a member or changing a role takes effect at once.
 */
import type { Role } from "../access/permissions.js";
import type { PrismaClient } from "../services.js";
import { generateToken, hashToken } from "./tokens.js";

export interface SessionInfo {
  userId: string;
  orgId: string;
  role: Role;
}

/** How stale `lastSeenAt` may get before a request refreshes it (saves a write per request). */
const TOUCH_AFTER_MS = 60_000;

export async function createSession(
  prisma: PrismaClient,
  input: { userId: string; orgId: string; ttlMs: number; ip: string; userAgent: string | undefined },
): Promise<{ token: string; expiresAt: Date }> {
  const token = generateToken();
  const expiresAt = new Date(Date.now() + input.ttlMs);
  await prisma.session.create({
    data: {
      id: hashToken(token),
      userId: input.userId,
      orgId: input.orgId,
      expiresAt,
      ip: input.ip,
      userAgent: input.userAgent?.slice(0, 512) ?? null,
    },
  });
  return { token, expiresAt };
}

/** The live session for a cookie token, or null (unknown, expired, or no longer a member). */
export async function findSession(prisma: PrismaClient, token: string | null): Promise<SessionInfo | null> {
  if (!token || token.length > 200) return null;
  const id = hashToken(token);
  const session = await prisma.session.findUnique({ where: { id } });
  if (!session) return null;
  const now = Date.now();
  if (session.expiresAt.getTime() <= now) {
    await prisma.session.deleteMany({ where: { id } });
    return null;
  }
  const member = await prisma.orgMember.findUnique({
    where: { orgId_userId: { orgId: session.orgId, userId: session.userId } },
    select: { role: true },
  });
  if (!member) return null;
  if (now - session.lastSeenAt.getTime() > TOUCH_AFTER_MS) {
    await prisma.session.updateMany({ where: { id }, data: { lastSeenAt: new Date(now) } });
  }
  return { userId: session.userId, orgId: session.orgId, role: member.role };
}

export async function deleteSession(prisma: PrismaClient, token: string | null): Promise<void> {
  if (!token || token.length > 200) return;
  await prisma.session.deleteMany({ where: { id: hashToken(token) } });
}
