/**
 * The newline-delimited JSON messages an engine streams while it pulls or builds an image, read
 * until the stream ends, fails, or the command is cancelled (then the stream is destroyed,
 * which makes the engine stop the work: it aborts a pull or build whose client went away).
 */
import { LineSplitter } from "./log-lines.js";

/** One message of a pull or build stream (Docker's and Podman's share these fields). */
export interface EngineMessage {
  /** Build output, with its newlines. */
  stream?: string;
  /** Pull: what happens now ("Pulling fs layer", "Downloading", "Digest: sha256:..."). */
  status?: string;
  /** Pull: the layer a status is about. */
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
  /** Build: `{ID}` of the image made. */
  aux?: { ID?: string };
}

/** Thrown when the stream reports a failure: the message is the engine's own. */
export class EngineStreamError extends Error {
  override name = "EngineStreamError";
}

/**
 * Reads `stream` to its end, handing each message to `onMessage`. Rejects with an
 * EngineStreamError on the first message carrying an error, and with the stream's error when
 * the connection breaks. On `signal`, destroys the stream and resolves.
 */
export function readEngineMessages(
  stream: NodeJS.ReadableStream,
  signal: AbortSignal,
  onMessage: (message: EngineMessage) => void,
): Promise<void> {
  const readable = stream as NodeJS.ReadableStream & { destroy?: (error?: Error) => void };
  return new Promise<void>((resolve, reject) => {
    const lines = new LineSplitter();
    let settled = false;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolve();
    };
    const handle = (line: string) => {
      if (settled || !line.trim()) return;
      let message: EngineMessage;
      try {
        message = JSON.parse(line) as EngineMessage;
      } catch {
        message = { stream: `${line}\n` }; // not JSON: still the engine's words, shown as output
      }
      const failure = message.errorDetail?.message || message.error;
      if (failure) {
        settle(new EngineStreamError(failure.trim()));
        readable.destroy?.();
        return;
      }
      onMessage(message);
    };
    const onAbort = () => {
      settle();
      readable.destroy?.();
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    stream.on("data", (chunk: Buffer | string) => {
      for (const line of lines.push(chunk)) handle(line);
    });
    stream.on("end", () => {
      for (const line of lines.end()) handle(line);
      settle();
    });
    // Destroying the stream on abort may surface as an error or a premature close: that is ours.
    stream.on("error", (error: unknown) => settle(signal.aborted ? undefined : error));
    stream.on("close", () => settle(signal.aborted ? undefined : new Error("the engine closed the stream early")));
  });
}
