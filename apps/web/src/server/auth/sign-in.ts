/**
 * Email + password sign-in with per-address and per-account throttling. Unknown emails
 * cost the same argon2 work as wrong passwords, so timing does not reveal accounts.
 */
import { hashPassword, verifyPassword } from "@flotilla/db";
import { AppError } from "../errors.js";
import type { PrismaClient } from "../services.js";
import { createRateLimiter, type RateLimiter } from "./rate-limit.js";
import { createSession } from "./sessions.js";

export interface SignInLimits {
  /** Every attempt from one address. */
  byAddress: RateLimiter;
  /** Failed attempts against one account, from anywhere. */
  byAccount: RateLimiter;
}

export function createSignInLimits(now: () => number = Date.now): SignInLimits {
  return {
    byAddress: createRateLimiter({ max: 30, windowMs: 15 * 60_000, now }),
    byAccount: createRateLimiter({ max: 10, windowMs: 15 * 60_000, now }),
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
  const byAddress = deps.limits.byAddress.hit(input.ip);
  if (!byAddress.allowed) throw throttled(byAddress.retryAfterMs);
  const byAccount = deps.limits.byAccount.check(email);
  if (!byAccount.allowed) throw throttled(byAccount.retryAfterMs);

  // Emails are stored lower-cased (see the seed), so the unique index answers this.
  const user = await deps.prisma.user.findUnique({ where: { email } });
  const ok = await verifyPassword(user?.passwordHash ?? (await hashForMissingUser()), input.password);
  if (!user || !ok) {
    deps.limits.byAccount.hit(email);
    throw new AppError("unauthorized", "Wrong email or password.");
  }

  // A user in several organisations starts in the one they joined first.
  const membership = await deps.prisma.orgMember.findFirst({
    where: { userId: user.id },
    orderBy: { createdAt: "asc" },
    include: { org: { select: { id: true, name: true } } },
  });
  if (!membership) throw new AppError("forbidden", "This account is not a member of any organisation.");

  deps.limits.byAccount.reset(email);
  const session = await createSession(deps.prisma, {
    userId: user.id,
    orgId: membership.orgId,
    ttlMs: deps.sessionTtlMs,
    ip: input.ip,
    userAgent: input.userAgent,
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
