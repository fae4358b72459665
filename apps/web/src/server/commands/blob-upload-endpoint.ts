/**
 * POST /api/blobs: a signed-in user uploads a build context (a tar, optionally gzipped) and gets
 * back the `{blobId, sha256, size}` an image.build command takes as its `context`.
 * CSRF: only non-form content types are accepted (a cross-site page cannot send them without a
 * CORS preflight, which is never granted) and a browser's Origin must be ours.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { permissionForCommand } from "../access/permissions.js";
import { holdsAnywhere } from "../access/principal.js";
import { originProblem } from "../auth/csrf.js";
import { AppError, toAppError } from "../errors.js";
import { clientIp, sendAppError, sendJson } from "../http/json.js";
import type { Services } from "../services.js";
import { resolveCaller } from "../trpc/context.js";
import { MAX_BLOB_BYTES, storeBlob } from "./blobs.js";

export const BLOB_UPLOAD_PATH = "/api/blobs";

const ACCEPTED_TYPES = ["application/x-tar", "application/gzip", "application/x-gzip", "application/octet-stream"];

export async function handleBlobUpload(
  req: IncomingMessage,
  res: ServerResponse,
  deps: Pick<Services, "prisma" | "log" | "config">,
): Promise<void> {
  const ip = clientIp(req);
  const log = deps.log.child({ route: "blob-upload", ip });
  try {
    if (req.method !== "POST") throw new AppError("invalid", "use POST");
    const session = await resolveCaller(deps, req);
    if (!session) throw new AppError("unauthorized", "Sign in first.");
    if (!holdsAnywhere(session, permissionForCommand("image.build"))) {
      throw new AppError("forbidden", "Your role does not allow building images.");
    }
    const contentType = req.headers["content-type"]?.split(";")[0]?.trim().toLowerCase() ?? "";
    if (!ACCEPTED_TYPES.includes(contentType)) {
      throw new AppError("invalid", `send the build context as one of ${ACCEPTED_TYPES.join(", ")}`);
    }
    const trustedOrigins = deps.config.publicUrl ? [deps.config.publicUrl] : [];
    const problem = originProblem({ origin: req.headers.origin, host: req.headers.host, trustedOrigins });
    if (problem) throw new AppError("forbidden", `Request refused: ${problem}.`);

    const data = await readBody(req);
    const ref = await storeBlob(deps.prisma, { orgId: session.orgId, userId: session.userId, data, contentType });
    await deps.prisma.auditEntry.create({
      data: {
        orgId: session.orgId,
        actorId: session.userId,
        actor: session.kind === "token" ? `token:${session.credentialId}` : `user:${session.userId}`,
        action: "blob.uploaded",
        target: `blob:${ref.blobId}`,
        ip,
        data: { size: ref.size, sha256: ref.sha256 },
      },
    });
    log.info({ userId: session.userId, ...ref }, "blob uploaded");
    sendJson(res, 200, ref);
  } catch (err) {
    const appError = toAppError(err);
    if (appError.code === "internal") log.error({ err }, "blob upload failed");
    if (!res.headersSent) {
      // Tell the client to stop sending a body we will not read.
      res.setHeader("connection", "close");
      sendAppError(res, appError);
    } else res.destroy();
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BLOB_BYTES) throw new AppError("too_large", "The upload is larger than 128 MiB.");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BLOB_BYTES) throw new AppError("too_large", "The upload is larger than 128 MiB.");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
