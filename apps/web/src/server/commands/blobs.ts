/**
 * Uploaded bytes a command needs on its host (an image build context). Kept in PostgreSQL so any
 * server node can serve them; an agent may fetch a blob only while one of its own unfinished
 * commands names it, so a credential for one host cannot read another host's uploads.
 */
import { createHash } from "node:crypto";
import { AppError } from "../errors.js";
import type { PrismaClient } from "../services.js";
import { ACTIVE_STATES } from "./state-machine.js";

/** Largest upload kept (it is held in memory while stored and served). */
export const MAX_BLOB_BYTES = 128 * 1024 * 1024;
export const BLOB_TTL_MS = 24 * 3_600_000;

export interface BlobRef {
  blobId: string;
  sha256: string;
  size: number;
}

export async function storeBlob(
  prisma: PrismaClient,
  input: { orgId: string; userId: string | null; data: Buffer; contentType: string },
): Promise<BlobRef> {
  if (input.data.length === 0) throw new AppError("invalid", "The upload is empty.");
  if (input.data.length > MAX_BLOB_BYTES) throw new AppError("too_large", "The upload is larger than 128 MiB.");
  const sha256 = createHash("sha256").update(input.data).digest("hex");
  const blob = await prisma.blob.create({
    data: {
      orgId: input.orgId,
      sha256,
      size: input.data.length,
      contentType: input.contentType,
      data: new Uint8Array(input.data),
      createdById: input.userId,
      expiresAt: new Date(Date.now() + BLOB_TTL_MS),
    },
    select: { id: true },
  });
  return { blobId: blob.id, sha256, size: input.data.length };
}

/** The blob, if this host has an unfinished command that names it; null otherwise (answered as 404). */
export async function findBlobForHost(
  prisma: PrismaClient,
  host: { hostId: string; orgId: string },
  blobId: string,
): Promise<{ data: Uint8Array; sha256: string; contentType: string } | null> {
  const wanted = await prisma.command.count({
    where: {
      hostId: host.hostId,
      orgId: host.orgId,
      state: { in: [...ACTIVE_STATES] },
      payload: { path: ["context", "blobId"], equals: blobId },
    },
  });
  if (wanted === 0) return null;
  return prisma.blob.findFirst({
    where: { id: blobId, orgId: host.orgId, expiresAt: { gt: new Date() } },
    select: { data: true, sha256: true, contentType: true },
  });
}

export async function deleteExpiredBlobs(prisma: PrismaClient, now = new Date()): Promise<number> {
  const { count } = await prisma.blob.deleteMany({ where: { expiresAt: { lte: now } } });
  return count;
}
