/**
 * image.list, image.pull and image.build. Pull and build stream the engine's output as they go
 * and stop when cancelled: the engine abandons a pull or a build whose client disconnects.
 * Builds use the classic builder (API `version=1`): BuildKit needs a gRPC session the bundled
 * agent does not carry (see build.mjs), and Podman's compatible API has no BuildKit at all.
 */
import { Readable } from "node:stream";
import type Dockerode from "dockerode";
import { CommandError, type CommandHandlerContext, type CommandHandlers } from "../../commands/handler.js";
import { engineCall, toCommandError } from "./engine-errors.js";
import { type EngineMessage, EngineStreamError, readEngineMessages } from "./json-stream.js";
import { PullProgress, splitReference } from "./pull-progress.js";

const API_TIMEOUT_MS = 30_000;
/** A byte-count progress frame at most this often: the UI needs a moving bar, not every packet. */
const PROGRESS_EVERY_MS = 500;

export function imageCommandHandlers(docker: Dockerode): CommandHandlers {
  return {
    "image.list": async () => {
      const images = await engineCall(docker.listImages({ abortSignal: AbortSignal.timeout(API_TIMEOUT_MS) }));
      return {
        images: images.map((image) => ({
          id: image.Id,
          // Docker lists an untagged image as "<none>:<none>"; Podman as null.
          tags: (image.RepoTags ?? []).filter((t) => t !== "<none>:<none>"),
          sizeBytes: Math.max(0, image.Size ?? 0),
          ...(image.Created ? { createdAt: image.Created * 1000 } : {}),
        })),
      };
    },

    "image.pull": async ({ reference, auth }, ctx) => {
      const { fromImage, tag, registry } = splitReference(reference);
      ctx.progress(0, `pulling ${reference}`);
      const authconfig = auth && {
        username: auth.username,
        password: auth.password,
        serveraddress: auth.serverAddress ?? registry ?? "https://index.docker.io/v1/",
      };
      const progress = new PullProgress();
      let lastProgressAt = 0;
      const ended = await runEngineStream(
        () => docker.createImage({ fromImage, tag, abortSignal: ctx.signal, ...(authconfig ? { authconfig } : {}) }),
        ctx.signal,
        (message) => {
          const line = progress.line(message);
          if (line) ctx.output("stdout", [line]);
          const fraction = progress.fraction();
          if (!line && fraction !== undefined && Date.now() - lastProgressAt >= PROGRESS_EVERY_MS) {
            lastProgressAt = Date.now();
            ctx.progress(fraction, progress.summary());
          }
        },
      );
      if (ended === "cancelled") return { reference };
      const digest = progress.digest ?? (await repoDigest(docker, reference, fromImage));
      return { reference, ...(digest ? { digest } : {}) };
    },

    "image.build": async ({ tag, dockerfile, context, buildArgs }, ctx) => {
      ctx.progress(0, "downloading the build context");
      const tar = await ctx.fetchBlob(context);
      ctx.progress(0.1, `building ${tag}`);
      let imageId: string | undefined;
      const ended = await runEngineStream(
        () =>
          docker.buildImage(Readable.from([tar]), {
            t: tag,
            dockerfile,
            buildargs: buildArgs,
            version: "1",
            rm: true,
            forcerm: true,
            abortSignal: ctx.signal,
          }),
        ctx.signal,
        (message) => {
          if (message.aux?.ID) imageId = message.aux.ID;
          if (message.stream) emitBuildOutput(ctx, message.stream);
          else if (message.status) ctx.output("stdout", [message.status]);
        },
      );
      if (ended === "cancelled") return { imageId: imageId ?? "", tag };
      // The tag is what the operator asked for; its id is the truth whatever the stream said.
      const built = await engineCall(docker.getImage(tag).inspect());
      return { imageId: built.Id ?? imageId ?? "", tag };
    },
  };
}

/** Build output arrives in pieces with their own newlines; each line is shown once, unpadded. */
function emitBuildOutput(ctx: CommandHandlerContext, text: string): void {
  const lines = text
    .split("\n")
    .map((l) => l.replace(/\r$/, ""))
    .filter((l) => l.trim() !== "");
  if (lines.length > 0) ctx.output("stdout", lines);
}

/**
 * Opens a pull or build stream and reads it to its end. A failure, from the HTTP answer or
 * from the stream, carries the engine's words; a cancelled command ends quietly (the runner
 * reports it as cancelled), whether the engine had answered yet or not.
 */
async function runEngineStream(
  open: () => Promise<NodeJS.ReadableStream>,
  signal: AbortSignal,
  onMessage: (message: EngineMessage) => void,
): Promise<"done" | "cancelled"> {
  try {
    await readEngineMessages(await open(), signal, onMessage);
  } catch (error) {
    if (signal.aborted) return "cancelled";
    if (error instanceof EngineStreamError) throw new CommandError("command_failed", error.message);
    throw toCommandError(error);
  }
  return signal.aborted ? "cancelled" : "done";
}

/** The digest the engine recorded for the pulled name (Podman's stream does not print one). */
async function repoDigest(docker: Dockerode, reference: string, name: string): Promise<string | undefined> {
  try {
    const info = await docker.getImage(reference).inspect();
    const match = (info.RepoDigests ?? []).find((d) => d.startsWith(`${name}@`)) ?? info.RepoDigests?.[0];
    return match?.slice(match.indexOf("@") + 1);
  } catch {
    return undefined;
  }
}
