/** The agent's one typed error: a code for callers and exit statuses, a message fit for a person. */

export type AgentErrorCode =
  | "config"
  | "not_enrolled"
  | "already_enrolled"
  | "enroll_rejected"
  | "enroll_failed"
  | "unauthorized"
  | "protocol_version"
  | "state";

export class AgentError extends Error {
  override readonly name = "AgentError";
  constructor(
    readonly code: AgentErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Process exit status per error code: 2 for usage errors, 3 for credential problems, 1 otherwise. */
export function exitCodeFor(error: unknown): number {
  if (!(error instanceof AgentError)) return 1;
  switch (error.code) {
    case "config":
      return 2;
    case "not_enrolled":
    case "already_enrolled":
    case "enroll_rejected":
    case "unauthorized":
      return 3;
    default:
      return 1;
  }
}
