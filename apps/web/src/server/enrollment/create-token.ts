/** Enrolment tokens made from the dashboard: pick the team, record who made it, build the install command. */
import { AppError } from "../errors.js";
import type { Services } from "../services.js";
import { createEnrollmentToken } from "./tokens.js";

export const DEFAULT_TOKEN_TTL_MINUTES = 60;

export interface CreateTokenInput {
  orgId: string;
  userId: string;
  ip: string;
  ttlMinutes: number | undefined;
  teamId: string | undefined;
  /** Used for the install command when no public URL is configured. */
  requestHost: string | undefined;
  requestSecure: boolean;
}

function serverUrl(publicUrl: string | null, host: string | undefined, secure: boolean): string {
  if (publicUrl) return publicUrl;
  return `${secure ? "https" : "http"}://${host ?? "localhost"}`;
}

export async function createEnrollmentTokenForUser(
  deps: Pick<Services, "prisma" | "config">,
  input: CreateTokenInput,
): Promise<{ token: string; expiresAt: string; installCommand: string }> {
  const team = await deps.prisma.team.findFirst({
    where: { orgId: input.orgId, ...(input.teamId ? { id: input.teamId } : {}) },
    orderBy: { createdAt: "asc" },
    select: { id: true },
  });
  if (!team)
    throw new AppError(
      input.teamId ? "not_found" : "conflict",
      input.teamId ? "No such team." : "Create a team first.",
    );
  const ttlMs = (input.ttlMinutes ?? DEFAULT_TOKEN_TTL_MINUTES) * 60_000;
  const { token, expiresAt } = await createEnrollmentToken(deps.prisma, {
    orgId: input.orgId,
    teamId: team.id,
    ttlMs,
    createdById: input.userId,
  });
  await deps.prisma.auditEntry.create({
    data: {
      orgId: input.orgId,
      actorId: input.userId,
      actor: `user:${input.userId}`,
      action: "enrollment_token.created",
      target: `team:${team.id}`,
      ip: input.ip,
      data: { expiresAt: expiresAt.toISOString() },
    },
  });
  const server = serverUrl(deps.config.publicUrl, input.requestHost, input.requestSecure);
  return {
    token,
    expiresAt: expiresAt.toISOString(),
    // `run --token` enrols on first start and keeps the credential in its state directory.
    installCommand: `flotilla-agent run --server ${server} --token ${token}`,
  };
}
