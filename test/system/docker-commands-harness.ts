// Runs the docker driver's command handlers in-process, as the agent would: the payload is read
// through the protocol schema (defaults applied, bad input refused), the handler gets a context
// that records progress and output, and a blob store stands in for the server's.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CommandInput, type CommandName, commandSchema } from "@flotilla/protocol";
import { CommandError, type CommandHandler, type CommandResult } from "../../apps/agent/src/commands/handler.js";
import { DockerDriver } from "../../apps/agent/src/drivers/docker/index.js";
import { createSilentLogger } from "../../apps/agent/src/logger.js";

export interface Outcome {
  ok: boolean;
  result?: CommandResult;
  error?: { code: string; message: string };
  progress: string[];
  output: Array<{ stream: "stdout" | "stderr"; line: string }>;
}

export interface Run {
  /** Output lines so far (a running logs command keeps adding). */
  output: Outcome["output"];
  progress: string[];
  cancel(): void;
  done: Promise<Outcome>;
}

type PayloadInput<N extends CommandName> = Extract<CommandInput, { name: N }>["payload"];

export function commandHarness(socketPath: string) {
  const driver = new DockerDriver({ socketPath, logger: createSilentLogger() });
  const handlers = driver.commandHandlers();
  const blobs = new Map<string, Buffer>();
  let counter = 0;

  /** Starts a command; it runs until it ends or `cancel()` (the agent's signal) stops it. */
  function start<N extends CommandName>(name: N, payload: PayloadInput<N>): Run {
    const command = commandSchema.parse({ name, payload });
    const handler = handlers[name] as CommandHandler | undefined;
    if (!handler) throw new Error(`the docker driver offers no ${name}`);
    const controller = new AbortController();
    const output: Outcome["output"] = [];
    const progress: string[] = [];
    const done = handler(command.payload, {
      commandId: `test-${process.pid}-${++counter}`,
      deadline: Date.now() + 600_000,
      signal: controller.signal,
      log: createSilentLogger(),
      progress: (_fraction, message) => {
        if (message) progress.push(message);
      },
      output: (stream, lines) => {
        for (const line of lines) output.push({ stream, line });
      },
      fetchBlob: async ({ blobId, sha256 }) => {
        const data = blobs.get(blobId);
        if (!data) throw new CommandError("not_found", "no such blob");
        if (createHash("sha256").update(data).digest("hex") !== sha256) throw new Error("checksum mismatch");
        return data;
      },
    }).then(
      (result): Outcome => ({ ok: true, result: result ?? {}, progress, output }),
      (error: unknown): Outcome => {
        const code = error instanceof CommandError ? error.code : "command_failed";
        return { ok: false, error: { code, message: (error as Error).message }, progress, output };
      },
    );
    return { output, progress, cancel: () => controller.abort("cancelled"), done };
  }

  return {
    handlers,
    start,
    /** Runs a command to its end. */
    run: <N extends CommandName>(name: N, payload: PayloadInput<N>) => start(name, payload).done,
    /** Keeps `data` as a blob and returns the reference an image.build payload takes. */
    addBlob(data: Buffer) {
      const blobId = `blob-${++counter}`;
      blobs.set(blobId, data);
      return { blobId, sha256: createHash("sha256").update(data).digest("hex"), size: data.length };
    },
  };
}

/** A tar build context of `files` (name -> contents), made with the system's tar. */
export function tarContext(files: Record<string, string>): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "flt-context-"));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return execFileSync("tar", ["-C", dir, "-cf", "-", ...Object.keys(files)], { maxBuffer: 64 << 20 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The app the build tests serve: busybox httpd answering with one page. */
export function appContext(baseImage: string, greeting: string): Buffer {
  return tarContext({
    Dockerfile: `FROM ${baseImage}\nCOPY index.html /www/index.html\nCMD ["httpd", "-f", "-vv", "-p", "80", "-h", "/www"]\n`,
    "index.html": `${greeting}\n`,
  });
}
