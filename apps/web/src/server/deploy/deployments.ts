/**
 * Asking for deployments: create, update (a new revision), scale, remove. Each writes the wanted
 * state and an audit entry; the reconciler (rollout.ts) carries it out. Every read and write is
 * scoped to the caller's organisation, and another organisation's deployment is reported
 * exactly like a missing one.
 */
import { type Deployment, Prisma } from "@flotilla/db";
import { actorLabel, type CommandActor, stableJson } from "../commands/request-command.js";
import { AppError } from "../errors.js";
import { loadSchedulerHosts } from "./capacity.js";
import type { CreateDeploymentInput, UpdateDeploymentInput } from "./inputs.js";
import { type DeployDeps, REPLICA_INCLUDE } from "./replica-ops.js";
import { publish } from "./rollout.js";
import { type PlacementStrategy, placeReplicas } from "./scheduler.js";
import { type DeploymentConfig, readConfig, replicaRequest } from "./spec.js";
import { type DeploymentDetail, type DeploymentView, toDeploymentView, toReplicaView } from "./views.js";

export interface DeployContext extends DeployDeps {
  actor: CommandActor;
}

const RUNNING_ONLY = { where: { state: "running" as const }, select: { index: true, revision: true, state: true } };
/** Replica rows `get` returns, newest revisions last; older history beyond this is left out. */
const MAX_REPLICA_ROWS = 200;

export async function createDeployment(ctx: DeployContext, input: CreateDeploymentInput): Promise<DeploymentView> {
  const { prisma, actor } = ctx;
  const teamId = await resolveTeam(ctx, input.teamId);
  const placement = await checkPlacement(ctx, { ...input, count: input.replicas, deploymentId: null });
  let created: Deployment;
  try {
    created = await prisma.$transaction(async (tx) => {
      // A removed deployment gives its name back; its commands stay in the command log.
      await tx.deployment.deleteMany({ where: { orgId: actor.orgId, name: input.name, state: "removed" } });
      const row = await tx.deployment.create({
        data: {
          orgId: actor.orgId,
          teamId,
          name: input.name,
          image: input.image,
          config: input.config as Prisma.InputJsonValue,
          replicas: input.replicas,
          strategy: input.strategy,
          hostId: placement.hostId,
          hostSelector: input.hostSelector,
          createdById: actor.userId,
          updatedById: actor.userId,
        },
      });
      await audit(tx, actor, "deployment.created", row, { image: row.image, replicas: row.replicas });
      return row;
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      throw new AppError("conflict", `A deployment named ${input.name} already exists.`);
    }
    throw err;
  }
  ctx.log.info({ deploymentId: created.id, name: created.name }, "deployment created");
  await publish(ctx, created.id);
  return toDeploymentView(created, []);
}

export async function updateDeployment(ctx: DeployContext, input: UpdateDeploymentInput): Promise<DeploymentView> {
  const d = await findChangeable(ctx, input.id);
  const next = {
    image: input.image ?? d.image,
    config: input.config ?? readConfig(d.config),
    strategy: input.strategy ?? d.strategy,
    hostId: input.hostId === undefined ? d.hostId : input.hostId,
    hostSelector: input.hostSelector ?? (d.hostSelector as Record<string, string>),
  };
  const placement = await checkPlacement(ctx, { ...next, count: 0, deploymentId: d.id });
  const current = {
    image: d.image,
    config: readConfig(d.config),
    strategy: d.strategy,
    hostId: d.hostId,
    hostSelector: d.hostSelector,
  };
  if (stableJson(current) === stableJson({ ...next, hostId: placement.hostId })) return getView(ctx, d.id);
  return change(ctx, d, "deployment.updated", {
    image: next.image,
    config: next.config as Prisma.InputJsonValue,
    strategy: next.strategy,
    hostId: placement.hostId,
    hostSelector: next.hostSelector,
    revision: d.revision + 1,
  });
}

export async function scaleDeployment(ctx: DeployContext, input: { id: string; replicas: number }) {
  const d = await findChangeable(ctx, input.id);
  if (d.stackId)
    throw new AppError("conflict", `${d.name} is a service of a stack, which runs one container per service.`);
  if (input.replicas === d.replicas) return getView(ctx, d.id);
  if (input.replicas > d.replicas) {
    const config = readConfig(d.config);
    const selector = d.hostSelector as Record<string, string>;
    const spec = { config, strategy: d.strategy, hostId: d.hostId, hostSelector: selector };
    await checkPlacement(ctx, { ...spec, count: input.replicas - d.replicas, deploymentId: d.id });
  }
  return change(ctx, d, "deployment.scaled", { replicas: input.replicas });
}

export async function removeDeployment(ctx: DeployContext, id: string): Promise<DeploymentView> {
  const d = await findInOrg(ctx, id);
  if (d.stackId) throw new AppError("conflict", `${d.name} is a service of a stack: remove the stack instead.`);
  if (d.state === "removing" || d.state === "removed") return getView(ctx, d.id);
  return change(ctx, d, "deployment.removed", { state: "removing" });
}

export async function listDeployments(ctx: Pick<DeployContext, "prisma">, orgId: string, includeRemoved: boolean) {
  const rows = await ctx.prisma.deployment.findMany({
    where: { orgId, ...(includeRemoved ? {} : { state: { not: "removed" } }) },
    include: { replicaRows: RUNNING_ONLY },
    orderBy: { name: "asc" },
  });
  return rows.map((d) => toDeploymentView(d, d.replicaRows));
}

export async function getDeployment(
  ctx: Pick<DeployContext, "prisma">,
  orgId: string,
  id: string,
): Promise<DeploymentDetail> {
  const d = await ctx.prisma.deployment.findFirst({
    where: { id, orgId },
    include: {
      replicaRows: {
        include: REPLICA_INCLUDE,
        orderBy: [{ createdAt: "desc" }],
        take: MAX_REPLICA_ROWS,
      },
    },
  });
  if (!d) throw new AppError("not_found", "No such deployment.");
  const replicaList = d.replicaRows.map(toReplicaView).sort((a, b) => a.index - b.index || a.revision - b.revision);
  return { ...toDeploymentView(d, d.replicaRows), replicaList };
}

/** Applies a person's change: the reconciler picks it up on its next tick. */
async function change(
  ctx: DeployContext,
  d: Deployment,
  action: string,
  data: Prisma.DeploymentUncheckedUpdateManyInput,
): Promise<DeploymentView> {
  // A deployment not started yet stays pending: the reconciler starts it (a stack service only
  // once its dependencies run). One that never finished its first rollout is still rolling out.
  const state =
    data.state ?? (d.state === "pending" ? "pending" : d.state === "rolling_out" ? "rolling_out" : "updating");
  const updated = await ctx.prisma.$transaction(async (tx) => {
    // Conditional on the revision read: of two concurrent changes, the second is refused, not lost.
    const { count } = await tx.deployment.updateMany({
      where: { id: d.id, revision: d.revision, replicas: d.replicas, state: d.state },
      data: { ...data, state, reason: null, updatedById: ctx.actor.userId },
    });
    if (count !== 1) throw new AppError("conflict", `${d.name} was changed meanwhile; look again and retry.`);
    const row = await tx.deployment.findUniqueOrThrow({ where: { id: d.id } });
    await audit(tx, ctx.actor, action, row, { revision: row.revision, replicas: row.replicas, state: row.state });
    return row;
  });
  ctx.log.info({ deploymentId: d.id, action, revision: updated.revision }, "deployment changed");
  await publish(ctx, d.id);
  return getView(ctx, d.id);
}

async function getView(ctx: DeployContext, id: string): Promise<DeploymentView> {
  const { replicaList: _, ...view } = await getDeployment(ctx, ctx.actor.orgId, id);
  return view;
}

async function findInOrg(ctx: DeployContext, id: string): Promise<Deployment> {
  const d = await ctx.prisma.deployment.findFirst({ where: { id, orgId: ctx.actor.orgId } });
  if (!d) throw new AppError("not_found", "No such deployment.");
  return d;
}

async function findChangeable(ctx: DeployContext, id: string): Promise<Deployment> {
  const d = await findInOrg(ctx, id);
  if (d.state === "removing" || d.state === "removed") {
    throw new AppError("conflict", `${d.name} is ${d.state === "removed" ? "removed" : "being removed"}.`);
  }
  return d;
}

async function resolveTeam(ctx: DeployContext, teamId: string | undefined): Promise<string> {
  const team = await ctx.prisma.team.findFirst({
    where: { orgId: ctx.actor.orgId, ...(teamId ? { id: teamId } : {}) },
    orderBy: { createdAt: "asc" },
    select: { id: true },
  });
  if (!team) throw new AppError("not_found", "No such team.");
  return team.id;
}

interface PlacementCheck {
  config: DeploymentConfig;
  strategy: PlacementStrategy;
  hostId?: string | null;
  hostSelector: Record<string, string>;
  /** Replicas to try placing now (0: only check the strategy's host). */
  count: number;
  deploymentId: string | null;
}

/**
 * Refuses a request that cannot be placed now, with the scheduler's reason, rather than
 * accepting it and failing a moment later. Returns the host id to store (only for "host").
 */
export async function checkPlacement(ctx: DeployContext, p: PlacementCheck): Promise<{ hostId: string | null }> {
  if (p.strategy === "host") {
    if (!p.hostId) throw new AppError("invalid", "Choose the host for the host strategy.");
    const host = await ctx.prisma.host.findFirst({
      where: { id: p.hostId, orgId: ctx.actor.orgId },
      select: { id: true },
    });
    if (!host) throw new AppError("not_found", "No such host.");
  } else if (p.hostId) {
    throw new AppError("invalid", "A host is chosen only with the host strategy.");
  }
  if (p.count > 0) {
    const count = p.deploymentId ? { deploymentId: p.deploymentId } : null;
    const hosts = await loadSchedulerHosts(ctx, ctx.actor.orgId, count);
    const result = placeReplicas({
      hosts,
      count: p.count,
      request: replicaRequest(p.config),
      strategy: p.strategy,
      hostId: p.hostId,
      selector: p.hostSelector,
    });
    if (!result.ok) throw new AppError("invalid", `Cannot place the replicas: ${result.message}.`);
  }
  return { hostId: p.strategy === "host" ? (p.hostId ?? null) : null };
}

async function audit(
  tx: Prisma.TransactionClient,
  actor: CommandActor,
  action: string,
  d: Deployment,
  data: Prisma.InputJsonObject,
): Promise<void> {
  await tx.auditEntry.create({
    data: {
      orgId: actor.orgId,
      actorId: actor.userId,
      actor: actorLabel(actor),
      action,
      target: `deployment:${d.id}`,
      ip: actor.ip,
      data: { name: d.name, ...data },
    },
  });
}
