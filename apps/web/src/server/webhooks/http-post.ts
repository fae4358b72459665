/**
 * One webhook POST through the SSRF guard: the address connected to is checked (guarded lookup,
 * IP literals checked up front), redirects are not followed (a 3xx is a failure), the whole
 * exchange is cut after 10 s, and only the first bytes of the response are kept.
 */
import http from "node:http";
import https from "node:https";
import { AppError } from "../errors.js";
import { type AllowList, assertWebhookUrl, guardedLookup } from "./ssrf.js";

export const WEBHOOK_TIMEOUT_MS = 10_000;
const MAX_RESPONSE_CHARS = 2048;

export interface PostResult {
  ok: boolean;
  status: number | null;
  response: string;
  error: string | null;
  durationMs: number;
}

export async function postWebhook(
  rawUrl: string,
  headers: Record<string, string>,
  body: string,
  allow: AllowList,
  timeoutMs = WEBHOOK_TIMEOUT_MS,
): Promise<PostResult> {
  const started = Date.now();
  const done = (r: Omit<PostResult, "durationMs">): PostResult => ({ ...r, durationMs: Date.now() - started });
  let url: URL;
  try {
    url = assertWebhookUrl(rawUrl, allow);
  } catch (err) {
    return done({ ok: false, status: null, response: "", error: err instanceof AppError ? err.message : String(err) });
  }
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: Omit<PostResult, "durationMs">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(done(r));
    };
    const req = client.request(
      url,
      {
        method: "POST",
        lookup: guardedLookup(allow),
        // A fresh connection per delivery: a kept-alive socket must not skip the address check.
        agent: false,
        headers: {
          ...headers,
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(body)),
          "user-agent": "Flotilla-Webhooks/1",
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (text.length < MAX_RESPONSE_CHARS) text += chunk;
          else res.destroy();
        });
        const end = () => {
          const status = res.statusCode ?? 0;
          const ok = status >= 200 && status < 300;
          const redirect = status >= 300 && status < 400;
          finish({
            ok,
            status,
            response: text.slice(0, MAX_RESPONSE_CHARS),
            error: ok ? null : redirect ? `redirect to ${res.headers.location ?? "?"} not followed` : `HTTP ${status}`,
          });
        };
        res.on("end", end);
        res.on("close", end);
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish({ ok: false, status: null, response: "", error: `no answer within ${timeoutMs / 1000} s` });
    }, timeoutMs);
    req.on("error", (err: NodeJS.ErrnoException) =>
      finish({ ok: false, status: null, response: "", error: err.message }),
    );
    req.end(body);
  });
}
