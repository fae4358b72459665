// postWebhook against real HTTP servers on loopback: the guard refuses loopback unless allowed
// (by IP literal and by a name resolving to it), redirects are not followed, slow receivers are
// cut off, and responses are kept truncated.
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { postWebhook } from "./http-post.js";
import { parseAllowList } from "./ssrf.js";

const LOOPBACK = parseAllowList("127.0.0.0/8,::1/128");
const servers: Server[] = [];

async function serve(handler: RequestListener): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

describe("postWebhook", () => {
  it("refuses loopback by IP and by name unless allowed, without connecting", async () => {
    let hits = 0;
    const port = await serve((_req, res) => {
      hits++;
      res.end("ok");
    });
    const byIp = await postWebhook(`http://127.0.0.1:${port}/`, {}, "{}", []);
    expect(byIp).toMatchObject({ ok: false, status: null });
    expect(byIp.error).toMatch(/loopback/);
    const byName = await postWebhook(`http://localhost:${port}/`, {}, "{}", []);
    expect(byName.error).toMatch(/loopback|refused/);
    expect(hits).toBe(0);
    const allowed = await postWebhook(`http://127.0.0.1:${port}/`, { "webhook-id": "msg_1" }, "{}", LOOPBACK);
    expect(allowed).toMatchObject({ ok: true, status: 200, response: "ok", error: null });
    expect(hits).toBe(1);
  });

  it("sends the body and headers as given", async () => {
    let seen: { headers: Record<string, unknown>; body: string } | null = null;
    const port = await serve((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", () => {
        seen = { headers: req.headers, body };
        res.writeHead(204).end();
      });
    });
    const result = await postWebhook(`http://127.0.0.1:${port}/x`, { "webhook-id": "msg_2" }, '{"a":1}', LOOPBACK);
    expect(result.ok).toBe(true);
    expect(seen).toMatchObject({
      body: '{"a":1}',
      headers: { "webhook-id": "msg_2", "content-type": "application/json" },
    });
  });

  it("does not follow redirects", async () => {
    let followed = false;
    const target = await serve((_req, res) => {
      followed = true;
      res.end("ok");
    });
    const port = await serve((_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${target}/` }).end());
    const result = await postWebhook(`http://127.0.0.1:${port}/`, {}, "{}", LOOPBACK);
    expect(result).toMatchObject({ ok: false, status: 302 });
    expect(result.error).toMatch(/redirect/);
    expect(followed).toBe(false);
  });

  it("gives up on a receiver that does not answer in time, and truncates long responses", async () => {
    const slow = await serve(() => {});
    const timedOut = await postWebhook(`http://127.0.0.1:${slow}/`, {}, "{}", LOOPBACK, 300);
    expect(timedOut).toMatchObject({ ok: false, status: null });
    expect(timedOut.error).toMatch(/no answer/);
    const chatty = await serve((_req, res) => res.writeHead(500).end("x".repeat(100_000)));
    const failed = await postWebhook(`http://127.0.0.1:${chatty}/`, {}, "{}", LOOPBACK);
    expect(failed).toMatchObject({ ok: false, status: 500, error: "HTTP 500" });
    expect(failed.response.length).toBeLessThanOrEqual(2048);
  });
});
