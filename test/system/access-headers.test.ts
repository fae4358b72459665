/**
 * Against the real server process (apps/web/server.ts with the built dashboard): a request
 * carrying Next's internal `x-middleware-subrequest` header gains nothing (CVE-2025-29927's
 * trick), on pages, tRPC, REST and the audit export; and a Bearer API token made through the
 * API reads the fleet over REST. Needs `pnpm --filter @flotilla/web run build` first.
 */

import { freePort } from "@flotilla/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { type Proc, startServer } from "../support/processes.js";

let db: SeededDatabase;
let server: Proc;
let base: string;

const FORGED = { "x-middleware-subrequest": "middleware:middleware:middleware:middleware:middleware" };

beforeAll(async () => {
  db = await startSeededDatabase();
  const port = await freePort();
  server = await startServer(db.url, port);
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await server?.stop();
  await db?.stop();
});

describe("the real server", () => {
  it("answers a forged x-middleware-subrequest exactly as it answers without it", async () => {
    for (const path of ["/", "/hosts", "/settings", "/login"]) {
      const plain = await fetch(`${base}${path}`, { redirect: "manual" });
      const forged = await fetch(`${base}${path}`, { redirect: "manual", headers: FORGED });
      expect(forged.status, path).toBe(plain.status);
    }
    expect((await fetch(`${base}/api/trpc/fleet.hosts`, { headers: FORGED })).status).toBe(401);
    expect((await fetch(`${base}/api/v1/hosts`, { headers: FORGED })).status).toBe(401);
    expect((await fetch(`${base}/api/audit.csv`, { headers: FORGED })).status).toBe(401);
    const mutation = await fetch(`${base}/api/trpc/teams.create`, {
      method: "POST",
      headers: { ...FORGED, "content-type": "application/json" },
      body: JSON.stringify({ name: "forged" }),
    });
    expect(mutation.status).toBe(401);
    expect(await db.prisma.team.count({ where: { name: "forged" } })).toBe(0);
  });

  it("serves the fleet to a Bearer token made through the API, and the OpenAPI document", async () => {
    const signIn = await fetch(`${base}/api/trpc/auth.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: db.email, password: db.password }),
    });
    expect(signIn.status).toBe(200);
    const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const made = await fetch(`${base}/api/trpc/tokens.create`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie },
      body: JSON.stringify({ name: "automation", permissions: ["fleet.read"], ttlDays: 1 }),
    });
    expect(made.status).toBe(200);
    const token = ((await made.json()) as { result: { data: { token: string } } }).result.data.token;
    const hosts = await fetch(`${base}/api/v1/hosts`, { headers: { authorization: `Bearer ${token}` } });
    expect(hosts.status).toBe(200);
    expect(((await hosts.json()) as { data: unknown[] }).data).toEqual([]);
    const doc = await fetch(`${base}/api/openapi.json`);
    expect(((await doc.json()) as { openapi: string }).openapi).toBe("3.1.0");
  });
});
