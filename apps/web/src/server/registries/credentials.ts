/**
 * Registry credentials of an organisation: listed without their secret, set (create or
 * replace) with a write-only password sealed at rest, removed. Every change is audited,
 * never with the password.
 */
import type { Config } from "../env.js";
import { AppError } from "../errors.js";
import type { PrismaClient } from "../services.js";
import { normalizeRegistry } from "./image-registry.js";
import { sealSecret } from "./secret-box.js";
import { requireSecretKey } from "./secret-key.js";

export interface RegistryActor {
  orgId: string;
  userId: string;
  ip: string | null;
}

export interface RegistryContext {
  prisma: PrismaClient;
  config: Pick<Config, "secretKey" | "nodeEnv">;
  actor: RegistryActor;
}

/** What anyone who may read the fleet sees: never the password, nor its ciphertext. */
export interface RegistryCredentialView {
  id: string;
  registry: string;
  username: string;
  createdById: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const VIEW = {
  id: true,
  registry: true,
  username: true,
  createdById: true,
  createdAt: true,
  updatedAt: true,
} as const;

export function listCredentials(ctx: RegistryContext): Promise<RegistryCredentialView[]> {
  return ctx.prisma.registryCredential.findMany({
    where: { orgId: ctx.actor.orgId },
    select: VIEW,
    orderBy: { registry: "asc" },
  });
}

export async function setCredential(
  ctx: RegistryContext,
  input: { registry: string; username: string; password: string },
): Promise<RegistryCredentialView> {
  const { prisma, actor } = ctx;
  const registry = normalizeRegistry(input.registry);
  const sealed = sealSecret(requireSecretKey(ctx.config), input.password);
  const secret = {
    username: input.username,
    secretCipher: sealed.cipher,
    secretIv: sealed.iv,
    secretTag: sealed.tag,
    keyId: sealed.keyId,
  };
  return prisma.$transaction(async (tx) => {
    const saved = await tx.registryCredential.upsert({
      where: { orgId_registry: { orgId: actor.orgId, registry } },
      create: { orgId: actor.orgId, registry, createdById: actor.userId, ...secret },
      update: secret,
      select: VIEW,
    });
    await tx.auditEntry.create({
      data: {
        orgId: actor.orgId,
        actorId: actor.userId,
        actor: `user:${actor.userId}`,
        action: "registry_credential.set",
        target: `registry:${registry}`,
        ip: actor.ip,
        data: { id: saved.id, registry, username: input.username },
      },
    });
    return saved;
  });
}

/** Another organisation's credential answers exactly like a missing one. */
export async function removeCredential(ctx: RegistryContext, id: string): Promise<void> {
  const { prisma, actor } = ctx;
  await prisma.$transaction(async (tx) => {
    const removed = await tx.registryCredential.findFirst({
      where: { id, orgId: actor.orgId },
      select: { id: true, registry: true },
    });
    if (!removed) throw new AppError("not_found", "No such registry credential.");
    await tx.registryCredential.delete({ where: { id: removed.id } });
    await tx.auditEntry.create({
      data: {
        orgId: actor.orgId,
        actorId: actor.userId,
        actor: `user:${actor.userId}`,
        action: "registry_credential.removed",
        target: `registry:${removed.registry}`,
        ip: actor.ip,
        data: { id: removed.id, registry: removed.registry },
      },
    });
  });
}
