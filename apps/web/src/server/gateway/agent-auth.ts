/** Agent credentials: `Authorization: Bearer <agentId>.<secret>`, checked against the stored sha256. */
import { digestsEqual, hashToken } from "../auth/tokens.js";
import type { PrismaClient } from "../services.js";

export interface AgentIdentity {
  agentId: string;
  hostId: string;
  orgId: string;
  intervalMs: number;
}

export function parseAgentBearer(header: string | undefined): { agentId: string; secret: string } | null {
  if (!header) return null;
  const match = /^Bearer\s+([^\s.]{1,200})\.([A-Za-z0-9_-]{32,200})\s*$/.exec(header);
  if (!match) return null;
  return { agentId: match[1] as string, secret: match[2] as string };
}

/** The agent behind a credential, or null when unknown, revoked or wrong. */
export async function authenticateAgent(
  prisma: PrismaClient,
  header: string | undefined,
): Promise<AgentIdentity | null> {
  const credential = parseAgentBearer(header);
  if (!credential) return null;
  const agent = await prisma.agent.findUnique({
    where: { id: credential.agentId },
    select: {
      id: true,
      secretHash: true,
      revokedAt: true,
      host: { select: { id: true, orgId: true, intervalMs: true } },
    },
  });
  // Compare even when the agent is missing, so response time does not tell ids apart.
  const expected = agent?.secretHash ?? "0".repeat(64);
  const matches = digestsEqual(hashToken(credential.secret), expected);
  if (!agent || !matches || agent.revokedAt) return null;
  return { agentId: agent.id, hostId: agent.host.id, orgId: agent.host.orgId, intervalMs: agent.host.intervalMs };
}
