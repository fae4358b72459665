/**
 * An agent credential revoked on one node must end that agent's connection on whichever node
 * holds it: the revoking node NOTIFYs, every node LISTENs and closes its connection if it has one.
 */
import { CloseCode } from "@flotilla/protocol";
import type pg from "pg";
import { createPgListener, type PgListener } from "../commands/pg-listener.js";
import type { Logger } from "../logger.js";

export const AGENT_REVOKED_CHANNEL = "flotilla_agent_revoked";

/** "<agentId> <reason>": the reason is what the agent is told when its connection closes. */
export function revocationNotice(agentId: string, reason: string): string {
  return `${agentId} ${reason}`;
}

export async function announceAgentRevoked(pool: pg.Pool, agentId: string, reason: string): Promise<void> {
  await pool.query("SELECT pg_notify($1, $2)", [AGENT_REVOKED_CHANNEL, revocationNotice(agentId, reason)]);
}

export function createAgentRevocationListener(deps: {
  databaseUrl: string;
  pool: pg.Pool;
  log: Logger;
  connectedAgentIds(): string[];
  disconnectAgent(agentId: string, code: number, reason: string): void;
}): PgListener {
  /** After a lost LISTEN connection: notices sent meanwhile are lost, so compare with the table. */
  async function dropRevokedAgents() {
    const here = deps.connectedAgentIds();
    if (here.length === 0) return;
    const { rows } = await deps.pool.query<{ id: string }>(
      "SELECT id FROM agents WHERE id = ANY($1::text[]) AND revoked_at IS NULL",
      [here],
    );
    const valid = new Set(rows.map((r) => r.id));
    for (const agentId of here)
      if (!valid.has(agentId)) deps.disconnectAgent(agentId, CloseCode.unauthorized, "credential revoked");
  }
  return createPgListener({
    databaseUrl: deps.databaseUrl,
    channel: AGENT_REVOKED_CHANNEL,
    log: deps.log,
    onConnected(reconnected) {
      if (reconnected)
        dropRevokedAgents().catch((err: unknown) => deps.log.warn({ err }, "could not check agents' credentials"));
    },
    onNotification(payload) {
      const space = payload.indexOf(" ");
      const agentId = space < 0 ? payload : payload.slice(0, space);
      const reason = space < 0 ? "credential revoked" : payload.slice(space + 1);
      deps.disconnectAgent(agentId, CloseCode.unauthorized, reason);
    },
  });
}
