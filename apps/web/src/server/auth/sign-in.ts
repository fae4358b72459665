/**
 * Email + password sign-in with per-address and per-account throttling. Unknown emails
 * cost the same argon2 work as wrong passwords, so timing does not reveal accounts.
 */
import { hashPassword, verifyPassword } from "@flotilla/db";
import { recordAudit } from "../audit/record.js";
import { AppError } from "../errors.js";
import type { PrismaClient } from "../services.js";
import { createSharedRateLimiter, type SharedRateLimiter } from "./pg-rate-limit.js";
import { createSession } from "./sessions.js";

export interface SignInLimits {
  /** Every attempt from one address. */
  byAddress: SharedRateLimiter;
  /** Failed attempts against one account, from anywhere. */
  byAccount: SharedRateLimiter;
}

/** Limits kept in PostgreSQL, so they hold across every server node. */
export function createSignInLimits(prisma: PrismaClient, now: () => number = Date.now): SignInLimits {
  return {
    byAddress: createSharedRateLimiter(prisma, { prefix: "addr", max: 30, windowMs: 15 * 60_000, now }),
    byAccount: createSharedRateLimiter(prisma, { prefix: "acct", max: 10, windowMs: 15 * 60_000, now }),
  };
}

export interface SignInInput {
  email: string;
  password: string;
  ip: string;
  userAgent: string | undefined;
}

export interface SignInResult {
  token: string;
  expiresAt: Date;
  user: { id: string; email: string; name: string };
  org: { id: string; name: string };
}

let dummyHash: Promise<string> | null = null;
function hashForMissingUser(): Promise<string> {
  dummyHash ??= hashPassword("flotilla-no-such-user");
  return dummyHash;
}

function throttled(retryAfterMs: number): AppError {
  const minutes = Math.max(1, Math.ceil(retryAfterMs / 60_000));
  return new AppError("rate_limited", `Too many sign-in attempts. Try again in ${minutes} minute(s).`, {
    retryAfterMs,
  });
}

export async function signIn(
  deps: { prisma: PrismaClient; limits: SignInLimits; sessionTtlMs: number },
  input: SignInInput,
): Promise<SignInResult> {
  const email = input.email.trim().toLowerCase();
  const byAddress = await deps.limits.byAddress.hit(input.ip);
  if (!byAddress.allowed) throw throttled(byAddress.retryAfterMs);
  const byAccount = await deps.limits.byAccount.check(email);
  if (!byAccount.allowed) {
    const known = await deps.prisma.user.findUnique({ where: { email }, select: { id: true } });
    if (known) await auditSignIn(deps.prisma, known.id, "auth.sign_in_failed", input.ip, { reason: "throttled" });
    throw throttled(byAccount.retryAfterMs);
  }

  // Emails are stored lower-cased (see the seed), so the unique index answers this.
  const user = await deps.prisma.user.findUnique({ where: { email } });
  const ok = await verifyPassword(user?.passwordHash ?? (await hashForMissingUser()), input.password);
  if (!user || !ok) {
    await deps.limits.byAccount.hit(email);
    if (user) await auditSignIn(deps.prisma, user.id, "auth.sign_in_failed", input.ip, { reason: "wrong password" });
    throw new AppError("unauthorized", "Wrong email or password.");
  }

  // A user in several organisations starts in the one they joined first.
  const membership = await deps.prisma.orgMember.findFirst({
    where: { userId: user.id },
    orderBy: { createdAt: "asc" },
    include: { org: { select: { id: true, name: true } } },
  });
  if (!membership) throw new AppError("forbidden", "This account is not a member of any organisation.");

  await deps.limits.byAccount.reset(email);
  const session = await createSession(deps.prisma, {
    userId: user.id,
    orgId: membership.orgId,
    ttlMs: deps.sessionTtlMs,
    ip: input.ip,
    userAgent: input.userAgent,
  });
  await recordAudit(deps.prisma, {
    orgId: membership.orgId,
    principal: { kind: "session", userId: user.id, credentialId: session.handle },
    action: "auth.signed_in",
    target: `user:${user.id}`,
    ip: input.ip,
    data: { userAgent: input.userAgent?.slice(0, 200) ?? null },
  });
  return {
    ...session,
    user: { id: user.id, email: user.email, name: user.name },
    org: { id: membership.org.id, name: membership.org.name },
  };
}

/** Who the session belongs to, for `auth.me`. */
export async function describeSession(prisma: PrismaClient, session: { userId: string; orgId: string; role: string }) {
  const [user, org] = await Promise.all([
    prisma.user.findUnique({ where: { id: session.userId }, select: { id: true, email: true, name: true } }),
    prisma.organization.findUnique({ where: { id: session.orgId }, select: { id: true, name: true, slug: true } }),
  ]);
  return user && org ? { user, org } : null;
}

/**
 * A failed sign-in against a known account, in the audit log of each of its organisations
 * (attempts on unknown emails belong to no organisation: they are only logged and throttled).
 */
async function auditSignIn(
  prisma: PrismaClient,
  userId: string,
  action: string,
  ip: string,
  data: Record<string, unknown>,
): Promise<void> {
  const orgs = await prisma.orgMember.findMany({ where: { userId }, select: { orgId: true } });
  for (const { orgId } of orgs) {
    await recordAudit(prisma, { orgId, principal: null, action, target: `user:${userId}`, ip, data });
  }
}

/** Changes the password after checking the current one, and ends the user's other sessions. */
export async function changePassword(
  prisma: PrismaClient,
  input: { userId: string; keepHandle: string; currentPassword: string; newPassword: string },
): Promise<{ endedSessions: number }> {
  const user = await prisma.user.findUnique({ where: { id: input.userId } });
  if (!user || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
    throw new AppError("unauthorized", "The current password is wrong.");
  }
  if (input.newPassword.length < 12) throw new AppError("invalid", "newPassword: use at least 12 characters.");
  await prisma.user.update({ where: { id: user.id }, data: { passwordHash: await hashPassword(input.newPassword) } });
  const { count } = await prisma.session.deleteMany({ where: { userId: user.id, handle: { not: input.keepHandle } } });
  return { endedSessions: count };
}
