/**
 * Serves the REST routes (rest-routes.ts) by calling their tRPC procedures with the request's
 * context, and the OpenAPI document. Errors keep the tRPC codes' HTTP statuses.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { AppError, httpStatusOf, trpcCodeOf } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Context } from "../trpc/context.js";
import { appRouter } from "../trpc/router.js";
import { readJsonBody, sendJson } from "./json.js";
import { matchRoute } from "./rest-routes.js";

const MAX_BODY_BYTES = 1024 * 1024;

type CreateContext = (opts: { req: IncomingMessage; res: ServerResponse }) => Promise<Context>;
type AnyCall = (input?: unknown) => Promise<unknown>;

/** Query-string values: numbers and booleans as such, everything else as text. */
function queryInput(url: URL): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of url.searchParams) {
    out[key] = /^-?\d+(\.\d+)?$/.test(value)
      ? Number(value)
      : value === "true"
        ? true
        : value === "false"
          ? false
          : value;
  }
  return out;
}

export async function handleRestRequest(
  req: IncomingMessage,
  res: ServerResponse,
  deps: { createContext: CreateContext; log: Logger },
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const matched = matchRoute(req.method ?? "GET", url.pathname);
  if (!matched) return sendJson(res, 404, { error: { code: "NOT_FOUND", message: "No such API route." } });
  if ("methodNotAllowed" in matched) {
    return sendJson(res, 405, { error: { code: "METHOD_NOT_SUPPORTED", message: "Method not allowed here." } });
  }
  const { route, params } = matched;
  try {
    const ctx = await deps.createContext({ req, res });
    const body = route.method === "POST" ? await readBodyOrEmpty(req) : {};
    const input = { ...queryInput(url), ...(body as object), ...params };
    const caller = appRouter.createCaller(ctx) as unknown as Record<string, Record<string, AnyCall>>;
    const [group, name] = route.procedure.split(".") as [string, string];
    const call = caller[group]?.[name];
    if (!call) throw new AppError("internal", `route ${route.path} names no procedure`);
    const data = await call(Object.keys(input).length ? input : undefined);
    sendJson(res, 200, { data: data ?? null });
  } catch (err) {
    if (err instanceof AppError) {
      return sendJson(res, httpStatusOf(err.code), { error: { code: trpcCodeOf(err.code), message: err.message } });
    }
    const error =
      err instanceof TRPCError
        ? err
        : new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "Something went wrong on the server", cause: err });
    if (error.code === "INTERNAL_SERVER_ERROR") deps.log.error({ err, route: route.path }, "REST call failed");
    const message = error.code === "INTERNAL_SERVER_ERROR" ? "Something went wrong on the server" : error.message;
    sendJson(res, getHTTPStatusCodeFromError(error), { error: { code: error.code, message } });
  }
}

async function readBodyOrEmpty(req: IncomingMessage): Promise<unknown> {
  if (Number(req.headers["content-length"] ?? 0) === 0 && !req.headers["transfer-encoding"]) {
    const type = req.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
    if (type !== "application/json") throw new AppError("invalid", "send the body as application/json");
    return {};
  }
  const body = await readJsonBody(req, MAX_BODY_BYTES);
  if (!body || typeof body !== "object" || Array.isArray(body))
    throw new AppError("invalid", "the body must be a JSON object");
  return body;
}
