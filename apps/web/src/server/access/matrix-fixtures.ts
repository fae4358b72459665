/**
 * Fixtures for the authorization matrix: one object of every kind in a team, and actors with
 * declared roles (what the expected outcomes are derived from).
 */
import { randomUUID } from "node:crypto";
import { hashPassword } from "@flotilla/db";
import { createSession } from "../auth/sessions.js";
import { hashToken } from "../auth/tokens.js";
import type { PrismaClient } from "../services.js";
import type { Role, TeamRole } from "./permissions.js";
import type { TargetKind } from "./targets.js";

/** The id (or, for planScope, the value) to put in a target field, per kind. */
export type ObjectSet = Record<TargetKind, unknown>;

/** The kinds that may also be organisation-wide (no team): they then belong to every team. */
export const ORG_WIDE_KINDS = ["alertRule", "alertInstance", "alertSilence", "webhookEndpoint"] as const;

/** An alert rule with one alert, a silence and a webhook endpoint, of `teamId` (null: organisation-wide). */
async function seedAlerting(prisma: PrismaClient, orgId: string, teamId: string | null, hostId: string) {
  const rule = await prisma.alertRule.create({
    data: { orgId, teamId, name: "matrix rule", kind: "host_offline", enabled: false },
  });
  const alertInstance = await prisma.alertInstance.create({
    data: { orgId, ruleId: rule.id, teamId, hostId, subject: hostId, state: "firing", severity: "warning" },
  });
  const silence = await prisma.alertSilence.create({
    data: { orgId, teamId, comment: "matrix", startsAt: new Date(), endsAt: new Date(Date.now() + 3_600_000) },
  });
  const endpoint = await prisma.webhookEndpoint.create({
    data: {
      orgId,
      teamId,
      name: "matrix",
      url: "https://hooks.example.test/x",
      events: ["alert.firing"],
      secret: {},
      enabled: false,
    },
  });
  return {
    alertRule: rule.id,
    alertInstance: alertInstance.id,
    alertSilence: silence.id,
    webhookEndpoint: endpoint.id,
  };
}

/**
 * The same objects as `base` (of the first team), but organisation-wide where a kind can be, and a
 * host list spanning both teams: every team's permission is needed for those.
 */
export async function seedOrgWideObjects(
  prisma: PrismaClient,
  orgId: string,
  base: ObjectSet,
  otherTeamHost: string,
): Promise<ObjectSet> {
  const hostId = base.host as string;
  return {
    ...base,
    ...(await seedAlerting(prisma, orgId, null, hostId)),
    hostList: [hostId, otherTeamHost],
  };
}

/** Creates one object of each kind in `teamId` of `orgId`. */
export async function seedObjects(prisma: PrismaClient, orgId: string, teamId: string): Promise<ObjectSet> {
  const u = randomUUID().slice(0, 8);
  const host = await prisma.host.create({ data: { orgId, teamId, machineId: `m-${u}`, name: `host-${u}` } });
  const host2 = await prisma.host.create({ data: { orgId, teamId, machineId: `m2-${u}`, name: `host2-${u}` } });
  const workload = await prisma.workload.create({
    data: {
      hostId: host.id,
      externalId: `c-${u}`,
      kind: "container",
      driver: "docker",
      name: `w-${u}`,
      state: "running",
    },
  });
  const command = await prisma.command.create({
    data: {
      orgId,
      hostId: host.id,
      name: "container.inspect",
      payload: { id: `c-${u}` },
      deadline: new Date(Date.now() + 3_600_000),
    },
  });
  const migration = await prisma.migration.create({
    data: { orgId, workloadId: workload.id, externalId: `c-${u}`, sourceHostId: host.id, targetHostId: host2.id },
  });
  const evacuation = await prisma.evacuation.create({ data: { orgId, hostId: host.id } });
  const deployment = await prisma.deployment.create({
    data: { orgId, teamId, name: `d-${u}`, image: "busybox:1", config: {}, replicas: 1, strategy: "spread" },
  });
  const stack = await prisma.stack.create({
    data: { orgId, teamId, name: `s-${u}`, hostId: host.id, source: "services: {}", services: [] },
  });
  const plan = await prisma.plan.create({
    data: { orgId, scope: { teamId }, options: {}, input: {}, output: {} },
  });
  const credential = await prisma.registryCredential.create({
    data: {
      orgId,
      registry: `r-${u}.example`,
      username: "u",
      secretCipher: Buffer.alloc(1),
      secretIv: Buffer.alloc(12),
      secretTag: Buffer.alloc(16),
      keyId: "k",
    },
  });
  const invitation = await prisma.invitation.create({
    data: {
      orgId,
      teamId,
      email: `invitee-${u}@example.test`,
      role: "viewer",
      tokenHash: hashToken(`inv-${u}`),
      expiresAt: new Date(Date.now() + 3_600_000),
    },
  });
  const owner = await prisma.orgMember.findFirstOrThrow({ where: { orgId } });
  const apiToken = await prisma.apiToken.create({
    data: {
      orgId,
      userId: owner.userId,
      teamId,
      name: `t-${u}`,
      prefix: "flt_x",
      tokenHash: hashToken(`tok-${u}`),
      permissions: ["fleet.read"],
      expiresAt: new Date(Date.now() + 3_600_000),
    },
  });
  return {
    host: host.id,
    workload: workload.id,
    command: command.id,
    migration: migration.id,
    evacuation: evacuation.id,
    deployment: deployment.id,
    stack: stack.id,
    plan: plan.id,
    planScope: { teamId },
    team: teamId,
    registryCredential: credential.id,
    invitation: invitation.id,
    apiToken: apiToken.id,
    hostList: [host.id, host2.id],
    ...(await seedAlerting(prisma, orgId, teamId, host.id)),
  };
}

/** Ids that exist nowhere. */
export function missingObjects(): ObjectSet {
  const id = () => randomUUID();
  return {
    host: id(),
    workload: id(),
    command: id(),
    migration: id(),
    evacuation: id(),
    deployment: id(),
    stack: id(),
    plan: id(),
    planScope: { teamId: id() },
    team: id(),
    registryCredential: id(),
    invitation: id(),
    apiToken: id(),
    hostList: [id()],
    alertRule: id(),
    alertInstance: id(),
    alertSilence: id(),
    webhookEndpoint: id(),
  };
}

/** What an actor is, as declared: the expected outcomes are computed from this and the role table. */
export interface ActorSpec {
  name: string;
  kind: "anonymous" | "session" | "token";
  orgRole?: Role;
  teamRoles?: Record<string, TeamRole>;
  /** A token's permissions. */
  scope?: string[];
  /** A member removed after signing in. */
  removed?: boolean;
}

/** A user with the given memberships and a live session; returns the cookie token. */
export async function memberWithSession(
  prisma: PrismaClient,
  orgId: string,
  spec: { orgRole?: Role; teamRoles?: Record<string, TeamRole>; label: string },
): Promise<{ userId: string; cookieToken: string; email: string; password: string }> {
  const email = `${spec.label}-${randomUUID()}@example.test`;
  const password = `pw-${randomUUID()}`;
  const user = await prisma.user.create({
    data: { email, name: spec.label, passwordHash: await hashPassword(password) },
  });
  await prisma.orgMember.create({ data: { orgId, userId: user.id, role: spec.orgRole ?? null } });
  for (const [teamId, role] of Object.entries(spec.teamRoles ?? {})) {
    await prisma.teamMember.create({ data: { teamId, userId: user.id, role } });
  }
  const session = await createSession(prisma, {
    userId: user.id,
    orgId,
    ttlMs: 3_600_000,
    ip: "127.0.0.1",
    userAgent: "matrix",
  });
  return { userId: user.id, cookieToken: session.token, email, password };
}
