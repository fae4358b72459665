/**
 * The dispatcher's `resolveSecrets` hook: as an `image.pull` is sent, the stored credential
 * of the command's organisation for the image's registry becomes the frame's `auth`. Only
 * the frame carries it; the Command row, events and logs never do.
 */
import type { Command as CommandRow } from "@flotilla/db";
import type { Command } from "@flotilla/protocol";
import type { Config } from "../env.js";
import type { Logger } from "../logger.js";
import type { PrismaClient } from "../services.js";
import { DOCKER_HUB, registryOfImage } from "./image-registry.js";
import { openSecret } from "./secret-box.js";
import { findSecretKey } from "./secret-key.js";

export interface PullAuthDeps {
  prisma: PrismaClient;
  config: Pick<Config, "secretKey" | "nodeEnv">;
  log: Logger;
}

export function createPullAuthResolver(deps: PullAuthDeps) {
  return async function resolvePullAuth(command: Command, row: CommandRow): Promise<Command> {
    if (command.name !== "image.pull" || command.payload.auth) return command;
    const registry = registryOfImage(command.payload.reference);
    const stored = await deps.prisma.registryCredential.findUnique({
      where: { orgId_registry: { orgId: row.orgId, registry } },
    });
    if (!stored) return command;
    const log = deps.log.child({ commandId: row.id, registry });
    const key = findSecretKey(deps.config);
    if (!key) {
      log.warn("a registry credential is stored but FLOTILLA_SECRET_KEY is not set: pulling without it");
      return command;
    }
    let password: string;
    try {
      password = openSecret(key, {
        cipher: stored.secretCipher,
        iv: stored.secretIv,
        tag: stored.secretTag,
        keyId: stored.keyId,
      });
    } catch (err) {
      // Sent without auth: the agent reports the registry's refusal, and the log says why.
      log.error({ err }, "stored registry credential cannot be decrypted: pulling without it");
      return command;
    }
    // Docker Hub: leave serverAddress out, the agent uses the Hub's v1 address as Docker does.
    const serverAddress = registry === DOCKER_HUB ? {} : { serverAddress: registry };
    return {
      name: "image.pull",
      payload: { ...command.payload, auth: { username: stored.username, password, ...serverAddress } },
    };
  };
}
