/**
 * Enrolment: trade a one-time token for this agent's credential over HTTP, and store it in the
 * state dir (0600). Refuses to overwrite existing credentials unless forced, before spending
 * the token.
 */
import { type EnrollRequest, enrollResponseSchema, type HostInfo } from "@flotilla/protocol";
import { AgentError } from "./errors.js";
import type { Logger } from "./logger.js";
import { enrollUrl, normaliseServerUrl } from "./server-url.js";
import { type Credentials, readCredentials, writeCredentials } from "./state/credentials.js";
import { AGENT_VERSION } from "./version.js";

export interface EnrollOptions {
  server: string;
  token: string;
  stateDir: string;
  host: HostInfo;
  force?: boolean;
  logger: Logger;
  timeoutMs?: number;
}

const STATUS_MESSAGES: Record<number, string> = {
  400: "the server rejected the enrolment request",
  401: "the enrolment token is not valid (unknown or expired)",
  403: "the enrolment token is not valid (unknown or expired)",
  404: "no enrolment endpoint at this address (check --server)",
  409: "this host is already enrolled on the server",
  410: "the enrolment token was already used or has expired; create a new one in the dashboard",
  429: "too many enrolment attempts; try again later",
};

/** Statuses after which the same token will not work: a caller with several tokens tries the next. */
export const TOKEN_REJECTED_STATUSES: readonly number[] = [401, 403, 410];

export class EnrollError extends AgentError {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(status !== undefined && status < 500 ? "enroll_rejected" : "enroll_failed", message);
  }
}

async function serverMessage(response: Response): Promise<string | undefined> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    const error = body.error as { message?: unknown } | string | undefined;
    const message = typeof error === "string" ? error : (error?.message ?? body.message);
    return typeof message === "string" ? message.slice(0, 500) : undefined;
  } catch {
    return text.trim().slice(0, 200) || undefined;
  }
}

export async function enrollAgent(options: EnrollOptions): Promise<Credentials> {
  const server = normaliseServerUrl(options.server);
  const existing = await readCredentials(options.stateDir).catch(() => undefined);
  if (existing && !options.force) {
    throw new AgentError(
      "already_enrolled",
      `${options.stateDir} already holds credentials for agent ${existing.agentId}; use --force to replace them`,
    );
  }

  const url = enrollUrl(server);
  const body: EnrollRequest = { token: options.token, host: options.host, agentVersion: AGENT_VERSION };
  options.logger.debug({ url, hostname: options.host.hostname }, "enrolling");
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new EnrollError(`cannot reach ${url}: ${why}`, undefined);
  }

  if (!response.ok) {
    const detail = await serverMessage(response);
    const summary = STATUS_MESSAGES[response.status] ?? `the server answered HTTP ${response.status}`;
    throw new EnrollError(`enrolment failed: ${summary}${detail ? ` (${detail})` : ""}`, response.status);
  }
  const parsed = enrollResponseSchema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success)
    throw new EnrollError("enrolment failed: the server's answer is not an enrolment response", response.status);

  const credentials: Credentials = { server, ...parsed.data };
  await writeCredentials(options.stateDir, credentials);
  options.logger.info({ agentId: credentials.agentId, hostId: credentials.hostId }, "enrolled");
  return credentials;
}
