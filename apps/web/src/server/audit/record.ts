/**
 * Writing the audit log: who (a user, a token, an agent, the system), did what, to what,
 * when, from where. Domain code writes its own entries for changes; the tRPC guard adds one
 * for every mutation and every denied request, so nothing goes untraced.
 */
import type { Principal } from "../access/principal.js";
import type { PrismaClient } from "../services.js";

export interface AuditInput {
  orgId: string;
  principal?: Pick<Principal, "kind" | "userId" | "credentialId"> | null;
  action: string;
  target?: string | null;
  ip?: string | null;
  data?: Record<string, unknown>;
}

/** "user:<id>" for a session, "token:<id>" for an API token. */
export function actorOf(principal: AuditInput["principal"]): string {
  if (!principal) return "anonymous";
  return principal.kind === "token" ? `token:${principal.credentialId}` : `user:${principal.userId}`;
}

export async function recordAudit(prisma: PrismaClient, input: AuditInput): Promise<void> {
  await prisma.auditEntry.create({
    data: {
      orgId: input.orgId,
      actorId: input.principal?.userId ?? null,
      actor: actorOf(input.principal),
      action: input.action,
      target: input.target ?? null,
      ip: input.ip ?? null,
      data: (input.data ?? undefined) as never,
    },
  });
}
