/**
 * Enrolment: an agent trades a one-time token for a per-agent secret. The same machine
 * enrolling again (same organisation, same machine id) keeps its host id and history; its
 * old credential is replaced.
 */
import type { EnrollRequest, EnrollResponse } from "@flotilla/protocol";
import { generateToken, hashToken } from "../auth/tokens.js";
import { hostFields } from "../fleet/inventory.js";
import type { PrismaClient } from "../services.js";
import { claimEnrollmentToken } from "./tokens.js";

export interface EnrollResult extends EnrollResponse {
  orgId: string;
  /** The agent whose credential this enrolment revoked (its connection should be closed). */
  replacedAgentId: string | null;
}

export async function enrollAgent(prisma: PrismaClient, request: EnrollRequest): Promise<EnrollResult> {
  const secret = generateToken();
  const { host } = request;
  const identity = { ...hostFields(host), agentVersion: request.agentVersion };
  return prisma.$transaction(async (tx) => {
    const claim = await claimEnrollmentToken(tx, request.token);
    const saved = await tx.host.upsert({
      where: { orgId_machineId: { orgId: claim.orgId, machineId: host.machineId } },
      create: { orgId: claim.orgId, teamId: claim.teamId, machineId: host.machineId, ...identity },
      update: identity,
      select: { id: true, agent: { select: { id: true } } },
    });
    if (saved.agent) await tx.agent.delete({ where: { id: saved.agent.id } });
    const agent = await tx.agent.create({
      data: { hostId: saved.id, secretHash: hashToken(secret), version: request.agentVersion },
      select: { id: true },
    });
    await tx.enrollmentToken.update({ where: { id: claim.id }, data: { usedByAgent: agent.id } });
    await tx.auditEntry.create({
      data: {
        orgId: claim.orgId,
        actor: `agent:${agent.id}`,
        action: saved.agent ? "host.reenrolled" : "host.enrolled",
        target: `host:${saved.id}`,
        data: { machineId: host.machineId, hostname: host.hostname, agentVersion: request.agentVersion },
      },
    });
    return {
      agentId: agent.id,
      hostId: saved.id,
      secret,
      orgId: claim.orgId,
      replacedAgentId: saved.agent?.id ?? null,
    };
  });
}
