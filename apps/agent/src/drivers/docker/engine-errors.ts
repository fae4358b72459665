/**
 * Engine failures as command results. The operator sees the engine's own words ("Bind for
 * 127.0.0.1:4000 failed: port is already allocated"), not dockerode's wrapping of them
 * ("(HTTP code 500) server error - ..."); a missing container or image reads as `not_found`.
 */
import { CommandError } from "../../commands/handler.js";

interface DockerodeError {
  statusCode?: number;
  /** The engine's JSON error body: `{message}` (Docker), `{message, cause, response}` (Podman). */
  json?: { message?: unknown } | null;
  message?: string;
}

/** The engine's message for a failed API call, or the error's own message. */
export function engineMessage(error: unknown): string {
  const e = (error ?? {}) as DockerodeError;
  const fromEngine = e.json && typeof e.json.message === "string" ? e.json.message.trim() : "";
  if (fromEngine) return fromEngine;
  const text = e.message ?? String(error);
  // Bodies that were not JSON: "(HTTP code 409) unexpected - <engine text> ".
  return text.replace(/^\(HTTP code \d+\) [^-]*- /, "").trim() || "the container engine failed";
}

export function engineStatus(error: unknown): number | undefined {
  const status = (error as DockerodeError | undefined)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** A CommandError carrying the engine's message: 404 is `not_found`, anything else `command_failed`. */
export function toCommandError(error: unknown): CommandError {
  if (error instanceof CommandError) return error;
  const code = engineStatus(error) === 404 ? "not_found" : "command_failed";
  return new CommandError(code, engineMessage(error));
}

/** Runs one engine call and rethrows its failure as a CommandError. */
export async function engineCall<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw toCommandError(error);
  }
}
