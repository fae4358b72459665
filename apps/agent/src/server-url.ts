/**
 * The control plane's address in its three forms: the base URL a person types, the enrolment
 * endpoint, and the agent gateway's WebSocket URL. A path prefix on the base URL is kept.
 */
import { AGENT_BLOBS_PATH_PREFIX, AGENT_ENROLL_PATH, AGENT_GATEWAY_PATH } from "@flotilla/protocol";

/** Normalises `http(s)://` or `ws(s)://` input to an `http(s)://` base URL without a trailing slash. */
export function normaliseServerUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new Error(`not a URL: ${JSON.stringify(input)}`);
  }
  const protocols: Record<string, string> = { "http:": "http:", "https:": "https:", "ws:": "http:", "wss:": "https:" };
  const protocol = protocols[url.protocol];
  if (!protocol) throw new Error(`unsupported scheme ${url.protocol} (use http:// or https://)`);
  if (url.username || url.password) throw new Error("credentials in the URL are not allowed");
  if (url.search || url.hash) throw new Error("query and fragment are not allowed");
  url.protocol = protocol;
  return url.toString().replace(/\/+$/, "");
}

function join(base: string, path: string): URL {
  return new URL(path.replace(/^\//, ""), `${normaliseServerUrl(base)}/`);
}

export function enrollUrl(server: string): string {
  return join(server, AGENT_ENROLL_PATH).toString();
}

export function gatewayUrl(server: string): string {
  const url = join(server, AGENT_GATEWAY_PATH);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

export function blobUrl(server: string, blobId: string): string {
  return join(server, `${AGENT_BLOBS_PATH_PREFIX}${encodeURIComponent(blobId)}`).toString();
}
