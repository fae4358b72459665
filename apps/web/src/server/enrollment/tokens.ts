/**
 * One-time enrolment tokens: made in the dashboard (or by the local launcher), shown once,
 * stored as sha256, claimed atomically by the first agent that presents them.
 * Kept free of server wiring so tools can import `createEnrollmentToken` directly.
 */
import { generateToken, hashToken } from "../auth/tokens.js";
import { AppError } from "../errors.js";
import type { PrismaClient } from "../services.js";

/** The Prisma surface used here: a client or an interactive transaction. */
export const ENROLLMENT_TOKEN_PREFIX = "flt_enr_";

type Db = Pick<PrismaClient, "enrollmentToken" | "$queryRaw">;

export async function createEnrollmentToken(
  prisma: Pick<PrismaClient, "enrollmentToken">,
  input: { orgId: string; teamId: string; ttlMs: number; createdById?: string },
): Promise<{ token: string; expiresAt: Date }> {
  // A fixed prefix keeps the token from starting with "-" (a CLI would read it as a flag)
  // and lets secret scanners recognise it.
  const token = `${ENROLLMENT_TOKEN_PREFIX}${generateToken()}`;
  const expiresAt = new Date(Date.now() + input.ttlMs);
  await prisma.enrollmentToken.create({
    data: {
      orgId: input.orgId,
      teamId: input.teamId,
      tokenHash: hashToken(token),
      expiresAt,
      createdById: input.createdById ?? null,
    },
  });
  return { token, expiresAt };
}

/**
 * Marks the token used, in one UPDATE so two agents can never both claim it; run it inside
 * the enrolment transaction so a failed enrolment gives the token back.
 * Unknown token: `unauthorized` (401). Used or expired: `gone` (410).
 */
export async function claimEnrollmentToken(
  db: Db,
  token: string,
): Promise<{ id: string; orgId: string; teamId: string }> {
  const tokenHash = hashToken(token);
  const claimed = await db.$queryRaw<Array<{ id: string; org_id: string; team_id: string }>>`
    UPDATE enrollment_tokens SET used_at = now()
     WHERE token_hash = ${tokenHash} AND used_at IS NULL AND expires_at > now()
     RETURNING id, org_id, team_id`;
  const row = claimed[0];
  if (row) return { id: row.id, orgId: row.org_id, teamId: row.team_id };

  const existing = await db.enrollmentToken.findUnique({ where: { tokenHash }, select: { usedAt: true } });
  if (!existing)
    throw new AppError("unauthorized", "Unknown enrolment token. Make a new one in Settings -> Enrol a host.");
  if (existing.usedAt) {
    throw new AppError("gone", "This enrolment token was already used. Make a new one in Settings -> Enrol a host.");
  }
  throw new AppError("gone", "This enrolment token has expired. Make a new one in Settings -> Enrol a host.");
}
