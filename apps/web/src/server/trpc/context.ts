/**
 * The tRPC context: who is calling (an API token from `Authorization: Bearer`, else the session
 * cookie), from where, and a request logger. A request that presents a bearer token is judged
 * by that token alone: a bad one does not fall back to the cookie.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readCookie, SESSION_COOKIE } from "../auth/cookies.js";
import { findSession, type SessionInfo } from "../auth/sessions.js";
import { clientIp } from "../http/json.js";
import type { Logger } from "../logger.js";
import type { Services } from "../services.js";
import { bearerToken, findTokenPrincipal } from "../tokens/api-tokens.js";

export interface RequestInfo {
  contentType: string | undefined;
  origin: string | undefined;
  host: string | undefined;
  userAgent: string | undefined;
  /** Whether the browser reached us over https (directly, via the public URL, or a proxy saying so). */
  secure: boolean;
  cookieToken: string | null;
  setCookie(value: string): void;
}

export interface Context {
  session: SessionInfo | null;
  ip: string;
  log: Logger;
  services: Services;
  request: RequestInfo;
}

function isSecure(req: IncomingMessage, publicUrl: string | null): boolean {
  if (publicUrl?.startsWith("https:")) return true;
  if ("encrypted" in req.socket && req.socket.encrypted) return true;
  return req.headers["x-forwarded-proto"] === "https";
}

export function createContextFactory(services: Services) {
  return async ({ req, res }: { req: IncomingMessage; res: ServerResponse }): Promise<Context> => {
    const session = await resolveCaller(services, req);
    const cookieToken = readCookie(req.headers.cookie, SESSION_COOKIE);
    const ip = clientIp(req);
    const log = services.log.child({ reqId: randomUUID().slice(0, 8), userId: session?.userId });
    return {
      session,
      ip,
      log,
      services,
      request: {
        contentType: req.headers["content-type"],
        origin: req.headers.origin,
        host: req.headers.host,
        userAgent: req.headers["user-agent"],
        secure: isSecure(req, services.config.publicUrl),
        cookieToken,
        setCookie: (value) => res.appendHeader("set-cookie", value),
      },
    };
  };
}

/** The principal of a request: its bearer token if it has one, otherwise its session cookie. */
export async function resolveCaller(
  services: Pick<Services, "prisma" | "config">,
  req: IncomingMessage,
): Promise<SessionInfo | null> {
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    const token = bearerToken(authorization);
    return token ? findTokenPrincipal(services.prisma, token) : null;
  }
  const cookieToken = readCookie(req.headers.cookie, SESSION_COOKIE);
  return findSession(services.prisma, cookieToken, {
    ttlMs: services.config.sessionTtlMs,
    idleMs: services.config.sessionIdleMs,
  });
}
