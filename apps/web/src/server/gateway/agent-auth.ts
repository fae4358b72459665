/** Agent credentials: `Authorization: Bearer <agentId>.<secret>`, checked against the stored sha256. */
import type pg from "pg";
import { digestsEqual, hashToken } from "../auth/tokens.js";
import type { PrismaClient } from "../services.js";
import { createMicroBatcher, type MicroBatcherOptions } from "./micro-batcher.js";

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

interface AgentRow {
  id: string;
  secret_hash: string;
  revoked: boolean;
  host_id: string;
  org_id: string;
  interval_ms: number;
}

/**
 * authenticateAgent for a crowd: upgrades that arrive together are checked with one query per
 * batch, so a reconnect storm holds one pool connection instead of one per agent.
 */
export function createAgentAuthenticator(pool: pg.Pool, options: Partial<MicroBatcherOptions> = {}) {
  const lookup = createMicroBatcher<string, AgentRow | undefined>(
    async (ids) => {
      const { rows } = await pool.query<AgentRow>(
        `SELECT a.id, a.secret_hash, a.revoked_at IS NOT NULL AS revoked, h.id AS host_id, h.org_id, h.interval_ms
           FROM agents a JOIN hosts h ON h.id = a.host_id
          WHERE a.id = ANY($1::text[])`,
        [ids],
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id));
    },
    { maxSize: options.maxSize ?? 500, maxWaitMs: options.maxWaitMs ?? 5, concurrency: options.concurrency ?? 1 },
  );

  // Every agent of an organisation gets the same org id string, not one copy per connection.
  const orgIds = new Map<string, string>();
  const sharedOrgId = (id: string) => {
    const known = orgIds.get(id);
    if (known !== undefined) return known;
    orgIds.set(id, id);
    return id;
  };

  return async function authenticate(header: string | undefined): Promise<AgentIdentity | null> {
    const credential = parseAgentBearer(header);
    if (!credential) return null;
    const agent = await lookup.run(credential.agentId);
    // Compare even when the agent is missing, so response time does not tell ids apart.
    const matches = digestsEqual(hashToken(credential.secret), agent?.secret_hash ?? "0".repeat(64));
    if (!agent || !matches || agent.revoked) return null;
    return {
      agentId: agent.id,
      hostId: agent.host_id,
      orgId: sharedOrgId(agent.org_id),
      intervalMs: agent.interval_ms,
    };
  };
}
