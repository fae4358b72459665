/**
 * Who may scrape /metrics: with FLOTILLA_METRICS_TOKEN set, a request bearing that token;
 * without it, loopback clients only (a sidecar or a node-local Prometheus), never the world.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export type ScrapeVerdict = "ok" | "unauthorized" | "forbidden";

export function checkScrapeAccess(req: IncomingMessage, token: string | null): ScrapeVerdict {
  if (token === null) return LOOPBACK.test(req.socket.remoteAddress ?? "") ? "ok" : "forbidden";
  const header = req.headers.authorization ?? "";
  const given = header.startsWith("Bearer ") ? header.slice(7).trim() : "";
  // Compare digests, so the comparison takes the same time whatever the given token's length.
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return given !== "" && timingSafeEqual(digest(given), digest(token)) ? "ok" : "unauthorized";
}
