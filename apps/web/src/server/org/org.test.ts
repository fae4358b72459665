/**
 * Invitations, teams, members, custom roles and the audit log, against the real server and
 * PostgreSQL: invite, join, see only the team's hosts; expired and reused links refused;
 * removing a member ends their access; every change and refusal is in the audit log, which
 * filters, pages and exports as CSV.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../testing/commands.js";
import { startTestServer, type TestServer } from "../testing/test-server.js";
import { TrpcSession } from "../testing/trpc-client.js";

let t: TestServer;
let owner: TrpcSession;
let teamB: string;
let hostA: string;
let hostB: string;

beforeAll(async () => {
  t = await startTestServer();
  owner = await signIn(t, t.owner.email, t.owner.password);
  const created = await owner.mutate<{ id: string }>("teams.create", { name: "Blue" });
  expect(created.status).toBe(200);
  teamB = created.data?.id ?? "";
  hostA = (
    await t.prisma.host.create({ data: { orgId: t.owner.orgId, teamId: t.owner.teamId, machineId: "a", name: "a" } })
  ).id;
  hostB = (await t.prisma.host.create({ data: { orgId: t.owner.orgId, teamId: teamB, machineId: "b", name: "b" } })).id;
});
afterAll(async () => {
  await t?.stop();
});

type Invite = { id: string; token: string; path: string };

async function invite(by: TrpcSession, teamId: string, email: string, role: string) {
  const res = await by.mutate<Invite>("invitations.create", { teamId, email, role });
  expect(res.status, JSON.stringify(res.error)).toBe(200);
  return res.data as Invite;
}

describe("invitations", () => {
  it("let a new person join a team by link and see only that team's hosts", async () => {
    const email = `new-${Date.now()}@example.test`;
    const inv = await invite(owner, teamB, email, "operator");
    expect(inv.path).toBe(`/invite/${inv.token}`);
    const row = await t.prisma.invitation.findUniqueOrThrow({ where: { id: inv.id } });
    expect(row.tokenHash).not.toContain(inv.token);

    const visitor = new TrpcSession(t.url);
    const preview = await visitor.query<{ teamName: string; role: string; accountExists: boolean; state: string }>(
      "invitations.preview",
      { token: inv.token },
    );
    expect(preview.data).toMatchObject({ teamName: "Blue", role: "operator", accountExists: false, state: "pending" });
    const short = await visitor.mutate("invitations.accept", { token: inv.token, name: "New", password: "short" });
    expect(short.status).toBe(400);
    const joined = await visitor.mutate("invitations.accept", {
      token: inv.token,
      name: "New",
      password: "a-long-password-1",
    });
    expect(joined.status, JSON.stringify(joined.error)).toBe(200);
    expect(visitor.cookie).toBeTruthy();

    const hosts = await visitor.query<Array<{ id: string }>>("fleet.hosts");
    expect(hosts.data?.map((h) => h.id)).toEqual([hostB]);
    expect((await visitor.query("fleet.host", { id: hostA })).status).toBe(404);
    const summary = await visitor.query<{ hosts: { total: number } }>("fleet.summary");
    expect(summary.data?.hosts.total).toBe(1);
    const me = await visitor.query<{ teams: Array<{ id: string; role: string }> }>("auth.me");
    expect(me.data?.teams).toEqual([expect.objectContaining({ id: teamB, role: "operator" })]);

    // Used once.
    const again = await new TrpcSession(t.url).mutate("invitations.accept", {
      token: inv.token,
      password: "a-long-password-1",
    });
    expect(again.status).toBe(404);
  });

  it("refuse an expired or revoked link, and an existing account without its password", async () => {
    const expired = await invite(owner, teamB, `late-${Date.now()}@example.test`, "viewer");
    await t.prisma.invitation.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1) } });
    const late = await new TrpcSession(t.url).mutate("invitations.accept", {
      token: expired.token,
      name: "Late",
      password: "a-long-password-1",
    });
    expect(late.status).toBe(404);

    const revoked = await invite(owner, teamB, `rev-${Date.now()}@example.test`, "viewer");
    expect((await owner.mutate("invitations.revoke", { id: revoked.id })).status).toBe(200);
    const list = await owner.query<Array<{ id: string; state: string }>>("invitations.list", {});
    expect(list.data?.find((i) => i.id === revoked.id)?.state).toBe("revoked");
    expect(
      (
        await new TrpcSession(t.url).mutate("invitations.accept", {
          token: revoked.token,
          name: "R",
          password: "a-long-password-1",
        })
      ).status,
    ).toBe(404);

    const existing = await invite(owner, teamB, t.owner.email, "viewer");
    const noPassword = await new TrpcSession(t.url).mutate("invitations.accept", { token: existing.token });
    expect(noPassword.status).toBe(401);
  });

  it("are made only by those who manage the team", async () => {
    const email = `adm-${Date.now()}@example.test`;
    const inv = await invite(owner, t.owner.teamId, email, "admin");
    const adminA = new TrpcSession(t.url);
    await adminA.mutate("invitations.accept", { token: inv.token, name: "Admin A", password: "a-long-password-1" });
    // Admin of team A: invites into A, not into B (which they cannot even see).
    await invite(adminA, t.owner.teamId, `x-${Date.now()}@example.test`, "viewer");
    const intoB = await adminA.mutate("invitations.create", { teamId: teamB, email: "y@example.test", role: "viewer" });
    expect(intoB.status).toBe(404);
    // Team admins do not make teams or read the audit log.
    expect((await adminA.mutate("teams.create", { name: "Mine" })).status).toBe(403);
    expect((await adminA.query("audit.list", {})).status).toBe(403);
  });
});

describe("teams and members", () => {
  it("preview a deployment's placement on the team's own hosts only", async () => {
    const inv = await invite(owner, teamB, `pre-${Date.now()}@example.test`, "operator");
    const member = new TrpcSession(t.url);
    await member.mutate("invitations.accept", { token: inv.token, name: "P", password: "a-long-password-1" });
    const noTeam = await member.query("deploy.previewPlacement", { replicas: 1 });
    expect(noTeam.status).toBe(400);
    expect(noTeam.error?.message).toMatch(/teamId/);
    const preview = await member.query<{ hosts: Array<{ id: string }> }>("deploy.previewPlacement", {
      replicas: 1,
      teamId: teamB,
    });
    expect(preview.status, JSON.stringify(preview.error)).toBe(200);
    const seen = preview.data?.hosts.map((h) => h.id) ?? [];
    expect(seen).toContain(hostB);
    expect(seen).not.toContain(hostA);
    expect((await member.query("deploy.previewPlacement", { replicas: 1, teamId: t.owner.teamId })).status).toBe(404);
  });

  it("list a team member's commands from their teams only, a full page of them", async () => {
    const mk = (hostId: string, i: number) =>
      t.prisma.command.create({
        data: {
          orgId: t.owner.orgId,
          hostId,
          name: "container.inspect",
          payload: { id: `c${i}` },
          deadline: new Date(Date.now() + 60_000),
          createdAt: new Date(Date.now() - (hostId === hostB ? 10_000 : 0) - i),
        },
      });
    for (let i = 0; i < 3; i++) await mk(hostB, i);
    for (let i = 0; i < 3; i++) await mk(hostA, i);
    const inv = await invite(owner, teamB, `cmd-${Date.now()}@example.test`, "viewer");
    const member = new TrpcSession(t.url);
    await member.mutate("invitations.accept", { token: inv.token, name: "C", password: "a-long-password-1" });
    const page = await member.query<Array<{ hostId: string }>>("commands.list", { limit: 3 });
    expect(page.data?.map((c) => c.hostId)).toEqual([hostB, hostB, hostB]);
    const all = await owner.query<Array<{ hostId: string }>>("commands.list", { limit: 3 });
    expect(all.data?.map((c) => c.hostId)).toEqual([hostA, hostA, hostA]);
  });

  it("move a host to another team, and refuse to delete a team that still has hosts", async () => {
    const team = await owner.mutate<{ id: string }>("teams.create", { name: "Green" });
    const dup = await owner.mutate("teams.create", { name: "Green" });
    expect(dup.status).toBe(409);
    const host = await t.prisma.host.create({
      data: { orgId: t.owner.orgId, teamId: teamB, machineId: "g", name: "g" },
    });
    expect((await owner.mutate("teams.moveHost", { hostId: host.id, teamId: team.data?.id })).status).toBe(200);
    expect((await t.prisma.host.findUniqueOrThrow({ where: { id: host.id } })).teamId).toBe(team.data?.id);
    const refused = await owner.mutate<unknown>("teams.delete", { id: team.data?.id });
    expect(refused.status).toBe(409);
    expect(refused.error?.message).toMatch(/1 host/);
    await t.prisma.host.delete({ where: { id: host.id } });
    expect((await owner.mutate("teams.delete", { id: team.data?.id })).status).toBe(200);
  });

  it("change a role, and removing someone ends their access at once", async () => {
    const email = `m-${Date.now()}@example.test`;
    const inv = await invite(owner, teamB, email, "viewer");
    const member = new TrpcSession(t.url);
    const joined = await member.mutate<{ userId: string }>("invitations.accept", {
      token: inv.token,
      name: "M",
      password: "a-long-password-1",
    });
    const userId = joined.data?.userId;
    expect((await member.mutate("teams.rename", { id: teamB, name: "Nope" })).status).toBe(403);
    expect((await member.mutate("maintenance.leave", { hostId: hostB })).status).toBe(403);

    expect((await owner.mutate("members.setRole", { teamId: teamB, userId, role: "admin" })).status).toBe(200);
    const members = await owner.query<Array<{ userId: string; teams: Array<{ teamId: string; role: string }> }>>(
      "members.list",
      { teamId: teamB },
    );
    expect(members.data?.find((m) => m.userId === userId)?.teams).toEqual([
      expect.objectContaining({ teamId: teamB, role: "admin" }),
    ]);

    const custom = await owner.mutate<{ id: string }>("roles.createCustom", {
      name: "Watcher",
      permissions: ["fleet.read"],
    });
    expect(custom.status).toBe(200);
    const ownerOnly = await owner.mutate("roles.createCustom", { name: "Boss", permissions: ["org.manage"] });
    expect(ownerOnly.status).toBe(400);
    expect(
      (await owner.mutate("members.setRole", { teamId: teamB, userId, customRoleId: custom.data?.id })).status,
    ).toBe(200);
    const roles = await member.query<{ custom: Array<{ name: string }> }>("roles.list");
    expect(roles.data?.custom.map((r) => r.name)).toContain("Watcher");
    expect((await member.query("fleet.host", { id: hostB })).status).toBe(200);
    expect(
      (await member.mutate("invitations.create", { teamId: teamB, email: "z@example.test", role: "viewer" })).status,
    ).toBe(403);

    expect((await owner.mutate("members.removeFromOrg", { userId })).status).toBe(200);
    expect((await member.query("fleet.hosts")).status).toBe(401);
    expect((await owner.mutate("members.removeFromOrg", { userId: t.owner.userId })).status).toBe(409);
  });
});

type AuditPage = {
  items: Array<{
    id: string;
    actor: string;
    actorName: string | null;
    action: string;
    target: string | null;
    targetLabel: string | null;
    ip: string | null;
  }>;
  nextCursor: string | null;
};

describe("audit log", () => {
  it("records sign-ins (success and failure), changes and refusals, with actor, target and address", async () => {
    const failed = await new TrpcSession(t.url).mutate("auth.signIn", { email: t.owner.email, password: "wrong" });
    expect(failed.status).toBe(401);
    const viewerInv = await invite(owner, teamB, `v-${Date.now()}@example.test`, "viewer");
    const viewer = new TrpcSession(t.url);
    await viewer.mutate("invitations.accept", { token: viewerInv.token, name: "V", password: "a-long-password-1" });
    expect((await viewer.mutate("maintenance.enter", { hostId: hostB })).status).toBe(403);

    const page = await owner.query<AuditPage>("audit.list", { limit: 200 });
    const actions = page.data?.items.map((i) => i.action) ?? [];
    expect(actions).toEqual(
      expect.arrayContaining([
        "auth.signed_in",
        "auth.sign_in_failed",
        "call:teams.create",
        "invitation.accepted",
        "denied:maintenance.enter",
      ]),
    );
    const denied = page.data?.items.find((i) => i.action === "denied:maintenance.enter");
    expect(denied).toMatchObject({ target: `host:${hostB}`, targetLabel: "b", ip: "127.0.0.1", actorName: "V" });
    expect(denied?.actor).toMatch(/^user:/);
  });

  it("filters by action, actor and time, pages by cursor, and exports CSV", async () => {
    const byAction = await owner.query<AuditPage>("audit.list", { action: "auth.", limit: 100 });
    expect(byAction.data?.items.length).toBeGreaterThan(0);
    expect(byAction.data?.items.every((i) => i.action.startsWith("auth."))).toBe(true);
    const byActor = await owner.query<AuditPage>("audit.list", { actor: `user:${t.owner.userId}`, limit: 100 });
    expect(byActor.data?.items.every((i) => i.actor === `user:${t.owner.userId}`)).toBe(true);
    const future = await owner.query<AuditPage>("audit.list", { from: new Date(Date.now() + 3_600_000).toISOString() });
    expect(future.data?.items).toEqual([]);

    const seen = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await owner.query<AuditPage>("audit.list", { limit: 3, ...(cursor ? { cursor } : {}) });
      for (const item of page.data?.items ?? []) {
        expect(seen.has(item.id)).toBe(false);
        seen.add(item.id);
      }
      cursor = page.data?.nextCursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 100);
    expect(seen.size).toBe((await t.prisma.auditEntry.count({ where: { orgId: t.owner.orgId } })) - 0);
    expect(pages).toBeGreaterThan(2);

    const csv = await fetch(`${t.url}/api/audit.csv?action=auth.`, { headers: { cookie: owner.cookie ?? "" } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe("id,at,actor,actor_name,actor_email,action,target,target_label,ip,data");
    expect(lines.length - 1).toBe(byAction.data?.items.length);
    expect(lines.slice(1).every((l) => l.includes(",auth."))).toBe(true);
    // Every row has the header's columns, in its order (quoted cells may hold commas).
    const cellsOf = (line: string) => line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)?.slice(0, -1) ?? [];
    const header = cellsOf(lines[0] ?? "");
    for (const line of lines.slice(1)) expect(cellsOf(line)).toHaveLength(header.length);
    const emailColumn = header.indexOf("actor_email,");
    const emails = lines.slice(1).map((l) => cellsOf(l)[emailColumn]?.replace(/,$/, ""));
    expect(emails).toContain(t.owner.email);
    const bad = await fetch(`${t.url}/api/audit.csv?from=yesterday`, { headers: { cookie: owner.cookie ?? "" } });
    expect(bad.status).toBe(400);
  });
});
