/**
 * container.logs: a container's output as lines, like `docker logs [-f] [--tail N] [--since T]
 * [-t]`. Without follow it ends with the last line written so far; with follow it goes on until
 * the container stops (the engine then ends the stream) or the command is cancelled.
 */
import type Dockerode from "dockerode";
import type { CommandHandler } from "../../commands/handler.js";
import { engineCall } from "./engine-errors.js";
import { LogLineReader } from "./log-lines.js";

const API_TIMEOUT_MS = 30_000;

export function containerLogsHandler(docker: Dockerode): CommandHandler<"container.logs"> {
  return async ({ workloadId, follow, tail, since, timestamps }, ctx) => {
    const container = docker.getContainer(workloadId);
    const info = await engineCall(container.inspect({ abortSignal: AbortSignal.timeout(API_TIMEOUT_MS) }));
    let lines = 0;
    const reader = new LogLineReader(info.Config?.Tty === true, (stream, batch) => {
      lines += batch.length;
      ctx.output(stream, batch);
    });
    const options: Record<string, string | number | boolean> = {
      follow,
      stdout: true,
      stderr: true,
      timestamps,
      tail: tail ?? "all",
      // The API takes whole seconds; a log line is never dropped for being a fraction early.
      ...(since !== undefined ? { since: Math.floor(since / 1000) } : {}),
    };
    const stream = await engineCall(openLogStream(docker, workloadId, options, ctx.signal));
    // Said at once: a followed log of a quiet container may not print a line for a long time,
    // and the server shows the command as running only from its first progress frame.
    ctx.progress(undefined, follow ? "following the log" : "reading the log");
    await new Promise<void>((resolve, reject) => {
      const finish = (error?: unknown) => {
        ctx.signal.removeEventListener("abort", onAbort);
        reader.end();
        if (error && !ctx.signal.aborted) reject(error);
        else resolve();
      };
      const onAbort = () => {
        stream.destroy();
        finish();
      };
      if (ctx.signal.aborted) return onAbort();
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      stream.on("data", (chunk: Buffer) => reader.push(chunk));
      stream.on("end", () => finish());
      stream.on("error", (error: unknown) => finish(error));
    });
    return { lines };
  };
}

/** The raw logs response, as a stream even without follow (dockerode would buffer and JSON-parse it). */
function openLogStream(
  docker: Dockerode,
  id: string,
  options: Record<string, string | number | boolean>,
  signal: AbortSignal,
): Promise<NodeJS.ReadableStream & { destroy(): void }> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: `/containers/${encodeURIComponent(id)}/logs?`,
        method: "GET",
        options,
        isStream: true,
        abortSignal: signal,
        statusCodes: { 200: true, 404: "no such container", 500: "server error" },
      },
      (error, stream) => (error ? reject(error) : resolve(stream as NodeJS.ReadableStream & { destroy(): void })),
    );
  });
}
