/**
 * Downloads a blob a command names (an image.build context) from the server with the agent's
 * own credential, and checks it is exactly the bytes the command was made with.
 */
import { createHash } from "node:crypto";
import type { blobRefSchema } from "@flotilla/protocol";
import type { z } from "zod";
import { blobUrl } from "../server-url.js";
import { CommandError } from "./handler.js";

export type BlobRef = z.infer<typeof blobRefSchema>;
export type BlobFetcher = (ref: BlobRef, signal: AbortSignal) => Promise<Buffer>;

export function createBlobFetcher(server: string, credential: { agentId: string; secret: string }): BlobFetcher {
  return async (ref, signal) => {
    let response: Response;
    try {
      response = await fetch(blobUrl(server, ref.blobId), {
        headers: { authorization: `Bearer ${credential.agentId}.${credential.secret}` },
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new CommandError("command_failed", `cannot download the build context: ${(error as Error).message}`);
    }
    if (response.status === 404) throw new CommandError("not_found", "the build context is gone from the server");
    if (!response.ok)
      throw new CommandError("command_failed", `downloading the build context failed: HTTP ${response.status}`);
    const data = Buffer.from(await response.arrayBuffer());
    const sha256 = createHash("sha256").update(data).digest("hex");
    if (data.length !== ref.size || sha256 !== ref.sha256) {
      throw new CommandError("command_failed", "the downloaded build context does not match its checksum");
    }
    return data;
  };
}
