/**
 * The one domain error. Domain code throws `AppError(code, message)`; the tRPC layer and
 * the plain HTTP endpoints map the code once, here. `message` is for the user; put detail
 * for the logs in `cause`.
 */
import type { TRPC_ERROR_CODE_KEY } from "@trpc/server/rpc";

export const APP_ERROR_CODES = {
  invalid: { trpc: "BAD_REQUEST", http: 400 },
  unauthorized: { trpc: "UNAUTHORIZED", http: 401 },
  forbidden: { trpc: "FORBIDDEN", http: 403 },
  not_found: { trpc: "NOT_FOUND", http: 404 },
  conflict: { trpc: "CONFLICT", http: 409 },
  /** Existed once and is no more (an enrolment token used or expired). */
  gone: { trpc: "NOT_FOUND", http: 410 },
  too_large: { trpc: "PAYLOAD_TOO_LARGE", http: 413 },
  rate_limited: { trpc: "TOO_MANY_REQUESTS", http: 429 },
  internal: { trpc: "INTERNAL_SERVER_ERROR", http: 500 },
} as const satisfies Record<string, { trpc: TRPC_ERROR_CODE_KEY; http: number }>;

export type AppErrorCode = keyof typeof APP_ERROR_CODES;

export class AppError extends Error {
  override readonly name = "AppError";
  constructor(
    readonly code: AppErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterMs = options?.retryAfterMs;
  }
  readonly retryAfterMs: number | undefined;
}

export function trpcCodeOf(code: AppErrorCode): TRPC_ERROR_CODE_KEY {
  return APP_ERROR_CODES[code].trpc;
}

export function httpStatusOf(code: AppErrorCode): number {
  return APP_ERROR_CODES[code].http;
}

/** Anything thrown -> an AppError; unknown errors become `internal` without leaking their message. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  return new AppError("internal", "Something went wrong on the server", { cause: err });
}
