/**
 * The access feature's plain HTTP endpoints, routed from app-server.ts in one call: the REST
 * API (/api/v1/...), its OpenAPI document, and the audit CSV export. Also strips headers that
 * only Next's own internals may set, so no client can claim to be one.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../logger.js";
import type { Services } from "../services.js";
import type { Context } from "../trpc/context.js";
import { sendJson } from "./json.js";
import { AUDIT_CSV_PATH, handleAuditCsv } from "./rest-audit-csv.js";
import { handleRestRequest } from "./rest-handler.js";
import { buildOpenApiDocument, OPENAPI_PATH } from "./rest-openapi.js";
import { REST_PREFIX } from "./rest-routes.js";

/**
 * `x-middleware-subrequest` marks Next's internal middleware sub-requests; honoured from a
 * client it once let requests skip middleware (CVE-2025-29927). Nothing outside may send it.
 */
const INTERNAL_HEADERS = ["x-middleware-subrequest", "x-middleware-invoke", "x-invoke-path", "x-invoke-query"];

export function stripInternalHeaders(req: IncomingMessage): void {
  for (const name of INTERNAL_HEADERS) delete req.headers[name];
}

export interface AccessHttpDeps {
  services: Services;
  log: Logger;
  createContext: (opts: { req: IncomingMessage; res: ServerResponse }) => Promise<Context>;
}

let openApiCache: string | null = null;

/** Handles the request if it is one of ours; returns false otherwise. */
export function routeAccessRequest(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  deps: AccessHttpDeps,
): boolean {
  if (pathname === OPENAPI_PATH) {
    openApiCache ??= JSON.stringify(buildOpenApiDocument(deps.services.config.publicUrl ?? undefined));
    sendJson(res, 200, JSON.parse(openApiCache));
    return true;
  }
  if (pathname === AUDIT_CSV_PATH) {
    void handleAuditCsv(req, res, { ...deps.services, log: deps.log });
    return true;
  }
  if (pathname.startsWith(REST_PREFIX)) {
    void handleRestRequest(req, res, { createContext: deps.createContext, log: deps.log });
    return true;
  }
  return false;
}
