/**
 * API tokens against the real server: shown once, hashed at rest, expiring, revocable, never
 * more than their scope nor than their maker's current permissions; accepted as Bearer on tRPC
 * and on the REST surface, which the OpenAPI document describes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memberWithSession } from "../access/matrix-fixtures.js";
import { hashToken } from "../auth/tokens.js";
import { startTestServer, type TestServer } from "../testing/test-server.js";
import { TrpcSession } from "../testing/trpc-client.js";

let t: TestServer;
let teamA: string;
let teamB: string;
let hostA: string;
let hostB: string;
let admin: TrpcSession;
let adminUserId: string;

beforeAll(async () => {
  t = await startTestServer();
  teamA = t.owner.teamId;
  teamB = (await t.prisma.team.create({ data: { orgId: t.owner.orgId, name: "B" } })).id;
  hostA = (
    await t.prisma.host.create({ data: { orgId: t.owner.orgId, teamId: teamA, machineId: "ma", name: "host-a" } })
  ).id;
  hostB = (
    await t.prisma.host.create({ data: { orgId: t.owner.orgId, teamId: teamB, machineId: "mb", name: "host-b" } })
  ).id;
  const m = await memberWithSession(t.prisma, t.owner.orgId, { label: "admin", teamRoles: { [teamA]: "admin" } });
  adminUserId = m.userId;
  admin = new TrpcSession(t.url);
  admin.cookie = `flotilla_session=${m.cookieToken}`;
});
afterAll(async () => {
  await t?.stop();
});

function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

async function trpcQuery(path: string, token: string, input?: unknown) {
  const qs = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const res = await fetch(`${t.url}/api/trpc/${path}${qs}`, { headers: bearer(token) });
  return { status: res.status, body: (await res.json()) as { result?: { data: unknown } } };
}

type Created = { token: string; id: string; prefix: string };

describe("API tokens", () => {
  it("are shown once and stored only as their sha256", async () => {
    const made = await admin.mutate<Created>("tokens.create", { name: "ci", permissions: ["fleet.read"], ttlDays: 30 });
    expect(made.status).toBe(200);
    const token = made.data?.token ?? "";
    expect(token).toMatch(/^flt_[A-Za-z0-9_-]{43}$/);
    const row = await t.prisma.apiToken.findUniqueOrThrow({ where: { id: made.data?.id } });
    expect(row.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(row)).not.toContain(token.slice(4));
    const listed = await admin.query<unknown[]>("tokens.list");
    expect(JSON.stringify(listed.data)).not.toContain(token.slice(4));
    expect(JSON.stringify(listed.data)).toContain(made.data?.id);
    expect(
      (listed.data as Array<{ id: string; user: { id: string } }>).find((r) => r.id === made.data?.id)?.user.id,
    ).toBe(adminUserId);
  });

  it("see only their teams' hosts, over tRPC and REST, and cannot act beyond their scope", async () => {
    const made = await admin.mutate<Created>("tokens.create", {
      name: "read",
      permissions: ["fleet.read"],
      ttlDays: 1,
    });
    const token = made.data?.token ?? "";
    const hosts = await trpcQuery("fleet.hosts", token);
    expect(hosts.status).toBe(200);
    expect(((hosts.body.result?.data ?? []) as Array<{ id: string }>).map((h) => h.id)).toEqual([hostA]);
    expect((await trpcQuery("fleet.host", token, { id: hostB })).status).toBe(404);

    const rest = await fetch(`${t.url}/api/v1/hosts`, { headers: bearer(token) });
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as { data: Array<{ id: string }> }).data.map((h) => h.id)).toEqual([hostA]);
    expect((await fetch(`${t.url}/api/v1/hosts/${hostA}`, { headers: bearer(token) })).status).toBe(200);
    const other = await fetch(`${t.url}/api/v1/hosts/${hostB}`, { headers: bearer(token) });
    expect(other.status).toBe(404);
    const missing = await fetch(`${t.url}/api/v1/hosts/00000000-0000-4000-8000-000000000000`, {
      headers: bearer(token),
    });
    expect(await missing.json()).toEqual(await other.json());

    // fleet.read only: requesting a command is refused, and nothing is written.
    const cmd = await fetch(`${t.url}/api/v1/commands`, {
      method: "POST",
      headers: { ...bearer(token), "content-type": "application/json" },
      body: JSON.stringify({ hostId: hostA, command: { name: "inventory.refresh", payload: {} } }),
    });
    expect(cmd.status).toBe(403);
    expect(await t.prisma.command.count({ where: { hostId: hostA } })).toBe(0);
    // And a token cannot manage accounts, even with its maker signed in elsewhere.
    const selfManage = await fetch(`${t.url}/api/trpc/sessions.list`, { headers: bearer(token) });
    expect(selfManage.status).toBe(403);
  });

  it("cannot be given a permission the maker does not hold", async () => {
    const res = await admin.mutate("tokens.create", { name: "x", permissions: ["org.manage"], ttlDays: 1 });
    expect(res.status).toBe(403);
    const unknown = await admin.mutate("tokens.create", { name: "x", permissions: ["everything"], ttlDays: 1 });
    expect(unknown.status).toBe(400);
  });

  it("lose what their maker loses, at once", async () => {
    const made = await admin.mutate<Created>("tokens.create", {
      name: "ops",
      permissions: ["fleet.read", "workloads.operate"],
      ttlDays: 1,
    });
    const token = made.data?.token ?? "";
    expect((await trpcQuery("fleet.host", token, { id: hostA })).status).toBe(200);
    await t.prisma.teamMember.update({
      where: { teamId_userId: { teamId: teamA, userId: adminUserId } },
      data: { role: "viewer" },
    });
    const asViewer = await fetch(`${t.url}/api/trpc/commands.request`, {
      method: "POST",
      headers: { ...bearer(token), "content-type": "application/json" },
      body: JSON.stringify({ hostId: hostA, command: { name: "container.inspect", payload: { id: "x" } } }),
    });
    expect(asViewer.status).toBe(403);
    await t.prisma.teamMember.delete({ where: { teamId_userId: { teamId: teamA, userId: adminUserId } } });
    // No team left: refused whatever the object (which tells nothing about it).
    expect((await trpcQuery("fleet.host", token, { id: hostA })).status).toBe(403);
    await t.prisma.teamMember.create({ data: { teamId: teamA, userId: adminUserId, role: "admin" } });
  });

  it("stop working when revoked or expired; a bad bearer does not fall back to the cookie", async () => {
    const made = await admin.mutate<Created>("tokens.create", {
      name: "short",
      permissions: ["fleet.read"],
      ttlDays: 1,
    });
    const token = made.data?.token ?? "";
    expect((await trpcQuery("fleet.hosts", token)).status).toBe(200);
    expect((await admin.mutate("tokens.revoke", { id: made.data?.id })).status).toBe(200);
    expect((await trpcQuery("fleet.hosts", token)).status).toBe(401);

    const later = await admin.mutate<Created>("tokens.create", {
      name: "old",
      permissions: ["fleet.read"],
      ttlDays: 1,
    });
    await t.prisma.apiToken.update({ where: { id: later.data?.id }, data: { expiresAt: new Date(Date.now() - 1) } });
    expect((await trpcQuery("fleet.hosts", later.data?.token ?? "")).status).toBe(401);

    const both = await fetch(`${t.url}/api/trpc/fleet.hosts`, {
      headers: { cookie: admin.cookie ?? "", authorization: "Bearer flt_not-a-token" },
    });
    expect(both.status).toBe(401);
  });

  it("of a team act only in that team", async () => {
    const owner = new TrpcSession(t.url);
    await owner.mutate("auth.signIn", { email: t.owner.email, password: t.owner.password });
    const made = await owner.mutate<Created>("tokens.createForTeam", {
      teamId: teamB,
      name: "team-b",
      permissions: ["fleet.read"],
      ttlDays: 1,
    });
    expect(made.status).toBe(200);
    const hosts = await trpcQuery("fleet.hosts", made.data?.token ?? "");
    expect(((hosts.body.result?.data ?? []) as Array<{ id: string }>).map((h) => h.id)).toEqual([hostB]);
    // A team admin cannot make a token for a team they do not manage.
    const foreign = await admin.mutate("tokens.createForTeam", {
      teamId: teamB,
      name: "x",
      permissions: ["fleet.read"],
      ttlDays: 1,
    });
    expect(foreign.status).toBe(404);
  });
});

describe("OpenAPI", () => {
  it("describes the REST routes from the procedures' schemas, as OpenAPI 3.1", async () => {
    const res = await fetch(`${t.url}/api/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { parameters: Array<{ name: string; in: string }>; requestBody?: unknown }>>;
      components: { securitySchemes: Record<string, { scheme: string }> };
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/api/v1/hosts", "/api/v1/hosts/{id}", "/api/v1/commands", "/api/v1/plans/{id}/approve"]),
    );
    expect(doc.paths["/api/v1/hosts/{id}"]?.get?.parameters).toEqual([
      expect.objectContaining({ name: "id", in: "path" }),
    ]);
    const body = JSON.stringify(doc.paths["/api/v1/commands"]?.post?.requestBody);
    // The command union comes from the protocol's zod schemas.
    expect(body).toContain("container.start");
    expect(body).toContain("hostId");
    expect(doc.components.securitySchemes.bearerAuth?.scheme).toBe("bearer");
  });

  it("answers unknown routes and wrong methods plainly", async () => {
    expect((await fetch(`${t.url}/api/v1/nothing`)).status).toBe(404);
    expect((await fetch(`${t.url}/api/v1/hosts`, { method: "DELETE" })).status).toBe(405);
  });
});
