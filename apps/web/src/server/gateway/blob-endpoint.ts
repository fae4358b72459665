/** GET /api/agent/blobs/:id: an agent downloads the build context one of its commands names. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { AGENT_BLOBS_PATH_PREFIX } from "@flotilla/protocol";
import { findBlobForHost } from "../commands/blobs.js";
import { AppError, toAppError } from "../errors.js";
import { clientIp, sendAppError } from "../http/json.js";
import type { Services } from "../services.js";
import { authenticateAgent } from "./agent-auth.js";

export async function handleAgentBlobRequest(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  deps: Pick<Services, "prisma" | "log">,
): Promise<void> {
  const log = deps.log.child({ route: "agent-blob", ip: clientIp(req) });
  try {
    if (req.method !== "GET") throw new AppError("invalid", "use GET");
    const identity = await authenticateAgent(deps.prisma, req.headers.authorization);
    if (!identity) throw new AppError("unauthorized", "unknown or revoked agent credential");
    const blobId = decodeSegment(pathname.slice(AGENT_BLOBS_PATH_PREFIX.length));
    const blob = blobId ? await findBlobForHost(deps.prisma, identity, blobId) : null;
    // The same answer for "no such blob" and "not yours": ids of other hosts' uploads stay secret.
    if (!blob) throw new AppError("not_found", "no such blob for this host");
    res.writeHead(200, {
      "content-type": blob.contentType,
      "content-length": blob.data.byteLength,
      "x-content-sha256": blob.sha256,
      "cache-control": "no-store",
    });
    res.end(Buffer.from(blob.data.buffer, blob.data.byteOffset, blob.data.byteLength));
    log.info({ agentId: identity.agentId, blobId, bytes: blob.data.byteLength }, "blob sent to agent");
  } catch (err) {
    const appError = toAppError(err);
    if (appError.code === "internal") log.error({ err }, "blob download failed");
    if (!res.headersSent) sendAppError(res, appError);
    else res.destroy();
  }
}

function decodeSegment(raw: string): string | null {
  try {
    const id = decodeURIComponent(raw);
    return id.length > 0 && id.length <= 200 && !id.includes("/") ? id : null;
  } catch {
    return null;
  }
}
