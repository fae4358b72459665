/**
 * Server refusals that are final for this agent: retrying cannot help until it is re-enrolled
 * (credential unknown or revoked) or upgraded (protocol too old). Everything else is retried.
 */
import { CloseCode, type ErrorFrame } from "@flotilla/protocol";
import { AgentError } from "../errors.js";

/** The HTTP status that refused the WebSocket upgrade. */
export function refusalFromStatus(status: number): AgentError | undefined {
  if (status === 401 || status === 403) {
    return new AgentError("unauthorized", `the server refused this agent's credential (HTTP ${status})`);
  }
  return undefined;
}

/** The close code the gateway closed the socket with. */
export function refusalFromClose(code: number, reason: string, protocol: number): AgentError | undefined {
  if (code === CloseCode.unauthorized) {
    return new AgentError(
      "unauthorized",
      `the server refused this agent's credential (${reason || "revoked or unknown"})`,
    );
  }
  if (code === CloseCode.protocolVersion) {
    return new AgentError("protocol_version", `the server does not speak protocol ${protocol}; upgrade the agent`);
  }
  return undefined;
}

/** An `error` frame, which the gateway sends before closing for these reasons. */
export function refusalFromError(frame: ErrorFrame): AgentError | undefined {
  if (frame.code === "unauthorized") {
    return new AgentError("unauthorized", `the server refused this agent's credential: ${frame.message}`);
  }
  if (frame.code === "protocol_version") {
    return new AgentError("protocol_version", `the server does not speak this agent's protocol: ${frame.message}`);
  }
  return undefined;
}
