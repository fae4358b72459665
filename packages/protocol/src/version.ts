/**
 * The wire protocol version. An agent says which version it speaks in `hello`;
 * the gateway refuses a version it does not support with `error` code
 * `protocol_version` and closes the socket with close code 4002.
 * Bump on any change an older peer could misread; adding an optional field is not one.
 */
export const PROTOCOL_VERSION = 1;
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1];

/** Path of the agent gateway's WebSocket endpoint on the control plane. */
export const AGENT_GATEWAY_PATH = "/agent";
/** HTTP endpoint that trades a one-time enrolment token for an agent credential. */
export const AGENT_ENROLL_PATH = "/api/agent/enroll";
/**
 * `GET <prefix><blobId>` with the agent's `Authorization: Bearer <agentId>.<secret>`: the bytes of
 * a blob one of the agent's unfinished commands names (an image.build context). 404 otherwise.
 * The response carries `x-content-sha256`; the agent checks it against the command's copy.
 */
export const AGENT_BLOBS_PATH_PREFIX = "/api/agent/blobs/";

/** WebSocket close codes the gateway uses, so an agent can tell retryable from fatal. */
export const CloseCode = {
  /** Normal shutdown of either side; reconnect. */
  normal: 1000,
  /** Server going away (restart); reconnect with backoff. */
  goingAway: 1001,
  /** Credential missing, unknown or revoked: do not retry without re-enrolling. */
  unauthorized: 4001,
  /** Protocol version not supported: do not retry until upgraded. */
  protocolVersion: 4002,
  /** No hello within the handshake timeout, or a frame before hello. */
  handshake: 4003,
  /** Another connection for the same agent replaced this one. */
  replaced: 4004,
  /** Too many invalid frames in a row. */
  tooManyErrors: 4005,
} as const;
