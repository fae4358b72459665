/**
 * Compose stacks on one host: each service becomes a one-replica deployment pinned to that host,
 * named `<stack>-<service>`, and the reconciler starts them in depends_on order (stack-gate.ts).
 * A stack is running once all of its services run, failed as soon as one fails.
 */
import { Prisma, type Stack } from "@flotilla/db";
import { actorLabel } from "../commands/request-command.js";
import { AppError } from "../errors.js";
import { loadSchedulerHosts } from "./capacity.js";
import { ComposeError, type ComposeService, parseCompose } from "./compose.js";
import type { DeployContext } from "./deployments.js";
import type { DeployStackInput } from "./inputs.js";
import type { DeployDeps } from "./replica-ops.js";
import { publish } from "./rollout.js";
import { placeReplicas, type SchedulerHost } from "./scheduler.js";
import { deploymentNameSchema, replicaRequest } from "./spec.js";
import { type StackServices, stackServicesSchema } from "./stack-gate.js";

export interface StackView {
  id: string;
  name: string;
  hostId: string;
  hostName: string;
  state: "deploying" | "running" | "failed" | "removing" | "removed";
  reason: string | null;
  warnings: string[];
  /** In start order. */
  services: Array<{ name: string; deploymentId: string; dependsOn: string[]; state: string; reason: string | null }>;
  source: string;
  createdAt: string;
  updatedAt: string;
}

const STACK_INCLUDE = {
  host: { select: { name: true } },
  deployments: { select: { id: true, state: true, reason: true } },
} as const satisfies Prisma.StackInclude;

type LoadedStack = Prisma.StackGetPayload<{ include: typeof STACK_INCLUDE }>;

export async function deployStack(ctx: DeployContext, input: DeployStackInput): Promise<StackView> {
  const { prisma, actor } = ctx;
  let project: ReturnType<typeof parseCompose>;
  try {
    project = parseCompose(input.compose);
  } catch (err) {
    if (err instanceof ComposeError) throw new AppError("invalid", `The compose file has problems: ${err.message}`);
    throw err;
  }
  const host = await prisma.host.findFirst({ where: { id: input.hostId, orgId: actor.orgId }, select: { id: true } });
  if (!host) throw new AppError("not_found", "No such host.");
  const team = await prisma.team.findFirst({
    where: { orgId: actor.orgId, ...(input.teamId ? { id: input.teamId } : {}) },
    orderBy: { createdAt: "asc" },
    select: { id: true },
  });
  if (!team) throw new AppError("not_found", "No such team.");
  const names = project.services.map((s) => deploymentName(input.name, s.name));
  await checkStackFits(ctx, host.id, project.services);

  let stack: Stack;
  try {
    stack = await prisma.$transaction(async (tx) => {
      // Removed stacks and deployments give their names back.
      await tx.stack.deleteMany({ where: { orgId: actor.orgId, name: input.name, state: "removed" } });
      await tx.deployment.deleteMany({ where: { orgId: actor.orgId, name: { in: names }, state: "removed" } });
      const row = await tx.stack.create({
        data: {
          orgId: actor.orgId,
          teamId: team.id,
          name: input.name,
          hostId: host.id,
          source: input.compose,
          services: [],
          warnings: project.warnings,
          createdById: actor.userId,
        },
      });
      const services: StackServices = [];
      for (const [i, s] of project.services.entries()) {
        const d = await tx.deployment.create({
          data: {
            orgId: actor.orgId,
            teamId: team.id,
            stackId: row.id,
            name: names[i] as string,
            image: s.image,
            config: s.config as Prisma.InputJsonValue,
            replicas: 1,
            strategy: "host",
            hostId: host.id,
            createdById: actor.userId,
            updatedById: actor.userId,
          },
        });
        services.push({ name: s.name, deploymentId: d.id, dependsOn: s.dependsOn });
      }
      await tx.auditEntry.create({
        data: {
          orgId: actor.orgId,
          actorId: actor.userId,
          actor: actorLabel(actor),
          action: "stack.deployed",
          target: `stack:${row.id}`,
          ip: actor.ip,
          data: { name: row.name, hostId: host.id, services: project.services.map((s) => s.name) },
        },
      });
      return tx.stack.update({ where: { id: row.id }, data: { services } });
    });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      throw new AppError(
        "conflict",
        `A stack named ${input.name}, or a deployment named like one of its services, already exists.`,
      );
    }
    throw err;
  }
  ctx.log.info({ stackId: stack.id, services: names }, "stack deployed");
  return getStack(ctx, actor.orgId, stack.id);
}

/** `<stack>-<service>`, which must itself be a valid deployment name. */
function deploymentName(stack: string, service: string): string {
  const name = `${stack}-${service}`;
  if (!deploymentNameSchema.safeParse(name).success) {
    throw new AppError("invalid", `The service ${service} would be named ${name}, which is too long or not allowed.`);
  }
  return name;
}

/** All services on one host: their requests and fixed ports must fit there together. */
async function checkStackFits(ctx: DeployContext, hostId: string, services: ComposeService[]): Promise<void> {
  const hosts = await loadSchedulerHosts(ctx, ctx.actor.orgId, null);
  const host = hosts.find((h) => h.id === hostId) as SchedulerHost;
  for (const s of services) {
    const request = replicaRequest(s.config);
    const result = placeReplicas({ hosts: [host], count: 1, request, strategy: "host", hostId });
    if (!result.ok) throw new AppError("invalid", `Cannot place service ${s.name}: ${result.message}.`);
    host.reservedCpu += request.cpus;
    host.reservedMemoryBytes += request.memoryBytes;
    host.usedPorts.push(...request.ports);
  }
}

export async function listStacks(ctx: Pick<DeployContext, "prisma">, orgId: string, includeRemoved: boolean) {
  const rows = await ctx.prisma.stack.findMany({
    where: { orgId, ...(includeRemoved ? {} : { state: { not: "removed" } }) },
    include: STACK_INCLUDE,
    orderBy: { name: "asc" },
  });
  return rows.map(toStackView);
}

export async function getStack(ctx: Pick<DeployContext, "prisma">, orgId: string, id: string): Promise<StackView> {
  const row = await ctx.prisma.stack.findFirst({ where: { id, orgId }, include: STACK_INCLUDE });
  if (!row) throw new AppError("not_found", "No such stack.");
  return toStackView(row);
}

export async function removeStack(ctx: DeployContext, id: string): Promise<StackView> {
  const { prisma, actor } = ctx;
  const stack = await prisma.stack.findFirst({
    where: { id, orgId: actor.orgId },
    select: { id: true, name: true, state: true },
  });
  if (!stack) throw new AppError("not_found", "No such stack.");
  if (stack.state !== "removing" && stack.state !== "removed") {
    await prisma.$transaction(async (tx) => {
      await tx.stack.update({ where: { id }, data: { state: "removing", reason: null } });
      // Dependents go first: stack-gate.ts holds each service until those depending on it are gone.
      await tx.deployment.updateMany({
        where: { stackId: id, state: { not: "removed" } },
        data: { state: "removing", reason: null, updatedById: actor.userId },
      });
      await tx.auditEntry.create({
        data: {
          orgId: actor.orgId,
          actorId: actor.userId,
          actor: actorLabel(actor),
          action: "stack.removed",
          target: `stack:${id}`,
          ip: actor.ip,
          data: { name: stack.name },
        },
      });
    });
    const members = await prisma.deployment.findMany({ where: { stackId: id }, select: { id: true } });
    for (const m of members) await publish(ctx, m.id);
  }
  return getStack(ctx, actor.orgId, id);
}

/** Moves a stack's own state on from its services' states. */
export async function reconcileStack(deps: DeployDeps, id: string): Promise<void> {
  const stack = await deps.prisma.stack.findUnique({ where: { id }, include: STACK_INCLUDE });
  if (!stack || (stack.state !== "deploying" && stack.state !== "removing")) return;
  const view = toStackView(stack);
  let next: { state: StackView["state"]; reason: string | null } | null = null;
  if (stack.state === "removing") {
    if (view.services.every((s) => s.state === "removed")) next = { state: "removed", reason: null };
  } else {
    const broken = view.services.find((s) => s.state === "failed" || s.state === "degraded");
    if (broken) next = { state: "failed", reason: `${broken.name}: ${broken.reason ?? broken.state}` };
    else if (view.services.every((s) => s.state === "running")) next = { state: "running", reason: null };
  }
  if (!next) return;
  await deps.prisma.stack.updateMany({ where: { id, state: stack.state }, data: next });
  deps.log.info({ stackId: id, ...next }, "stack state changed");
}

function toStackView(row: LoadedStack): StackView {
  const byId = new Map(row.deployments.map((d) => [d.id, d]));
  return {
    id: row.id,
    name: row.name,
    hostId: row.hostId,
    hostName: row.host.name,
    state: row.state,
    reason: row.reason,
    warnings: row.warnings as string[],
    services: stackServicesSchema.parse(row.services).map((s) => ({
      ...s,
      state: byId.get(s.deploymentId)?.state ?? "removed",
      reason: byId.get(s.deploymentId)?.reason ?? null,
    })),
    source: row.source,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
