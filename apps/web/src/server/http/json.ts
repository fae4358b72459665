/** Small helpers for the plain HTTP endpoints the custom server answers itself. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError, httpStatusOf } from "../errors.js";

/** Reads and parses a JSON request body, refusing bodies over `maxBytes`. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = req.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") throw new AppError("invalid", "send the body as application/json");
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes) throw new AppError("too_large", `the body is larger than ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new AppError("too_large", `the body is larger than ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new AppError("invalid", "the body is not valid JSON");
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(payload);
}

/** Answers with `{ error: { code, message } }` and the status the AppError code maps to. */
export function sendAppError(res: ServerResponse, err: AppError) {
  const headers: Record<string, string> = {};
  if (err.retryAfterMs) headers["retry-after"] = String(Math.ceil(err.retryAfterMs / 1000));
  sendJson(res, httpStatusOf(err.code), { error: { code: err.code, message: err.message } }, headers);
}

/** The peer address, without the IPv4-mapped IPv6 prefix. Proxies' X-Forwarded-For is not trusted. */
export function clientIp(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? "unknown";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}
