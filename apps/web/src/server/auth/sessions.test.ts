/**
 * Sessions against the real server and PostgreSQL: a new id at every sign-in, idle and absolute
 * expiry, listing and revoking, signing out everywhere, a password change ending the other
 * sessions, CSRF on every mutation, and `x-middleware-subrequest` gaining nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../testing/commands.js";
import { startTestServer, type TestServer } from "../testing/test-server.js";
import type { TrpcSession } from "../testing/trpc-client.js";
import { appRouter } from "../trpc/router.js";
import { hashToken } from "./tokens.js";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ SESSION_IDLE: "30m", SESSION_TTL: "2h" });
});
afterAll(async () => {
  await t?.stop();
});

function tokenOf(session: TrpcSession): string {
  return decodeURIComponent((session.cookie ?? "").split("=")[1] ?? "");
}

type Me = { user: { email: string } } | null;

describe("sessions", () => {
  it("gets a new session id at every sign-in, and the one the browser carried before ends", async () => {
    const browser = await signIn(t, t.owner.email, t.owner.password);
    const first = tokenOf(browser);
    const again = await browser.mutate("auth.signIn", { email: t.owner.email, password: t.owner.password });
    expect(again.status).toBe(200);
    const second = tokenOf(browser);
    expect(second).not.toBe(first);
    expect(await t.prisma.session.findUnique({ where: { id: hashToken(first) } })).toBeNull();
    expect(await t.prisma.session.findUnique({ where: { id: hashToken(second) } })).not.toBeNull();
  });

  it("ends a session unused for the idle limit, and one past its absolute expiry", async () => {
    const idle = await signIn(t, t.owner.email, t.owner.password);
    expect((await idle.query<Me>("auth.me")).data?.user.email).toBe(t.owner.email);
    await t.prisma.session.update({
      where: { id: hashToken(tokenOf(idle)) },
      data: { lastSeenAt: new Date(Date.now() - 31 * 60_000) },
    });
    expect((await idle.query<Me>("auth.me")).data).toBeNull();
    expect((await idle.query("fleet.hosts")).status).toBe(401);

    const old = await signIn(t, t.owner.email, t.owner.password);
    await t.prisma.session.update({
      where: { id: hashToken(tokenOf(old)) },
      data: { expiresAt: new Date(Date.now() - 1) },
    });
    expect((await old.query("fleet.hosts")).status).toBe(401);
  });

  it("lists my sessions, revokes one, and signs out everywhere", async () => {
    const a = await signIn(t, t.owner.email, t.owner.password);
    const b = await signIn(t, t.owner.email, t.owner.password);
    const listed = await a.query<Array<{ handle: string; current: boolean; ip: string }>>("sessions.list");
    expect(listed.status).toBe(200);
    const mine = listed.data ?? [];
    expect(mine.filter((s) => s.current)).toHaveLength(1);
    expect(mine.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(mine)).not.toContain(tokenOf(a));

    const bHandle = (await b.query<Array<{ handle: string; current: boolean }>>("sessions.list")).data?.find(
      (s) => s.current,
    )?.handle;
    expect((await a.mutate("sessions.revoke", { handle: bHandle })).status).toBe(200);
    expect((await b.query("fleet.hosts")).status).toBe(401);
    // Another user's session handle is not mine to revoke: the same answer as a missing one.
    expect((await a.mutate("sessions.revoke", { handle: "00000000-0000-4000-8000-000000000000" })).status).toBe(404);

    const c = await signIn(t, t.owner.email, t.owner.password);
    const everywhere = await a.mutate<{ ended: number }>("sessions.revokeAll", {});
    expect(everywhere.data?.ended).toBeGreaterThanOrEqual(2);
    expect((await c.query("fleet.hosts")).status).toBe(401);
    expect((await a.query("fleet.hosts")).status).toBe(401);
  });

  it("ends the other sessions when the password changes, keeping this one", async () => {
    const email = `pw-${Date.now()}@example.test`;
    const { hashPassword } = await import("@flotilla/db");
    const user = await t.prisma.user.create({
      data: { email, name: "pw", passwordHash: await hashPassword("old-password-123") },
    });
    await t.prisma.orgMember.create({ data: { orgId: t.owner.orgId, userId: user.id, role: "viewer" } });
    const here = await signIn(t, email, "old-password-123");
    const there = await signIn(t, email, "old-password-123");
    const wrong = await here.mutate("auth.changePassword", {
      currentPassword: "nope",
      newPassword: "new-password-456",
    });
    expect(wrong.status).toBe(401);
    const changed = await here.mutate<{ endedSessions: number }>("auth.changePassword", {
      currentPassword: "old-password-123",
      newPassword: "new-password-456",
    });
    expect(changed.data?.endedSessions).toBe(1);
    expect((await there.query("fleet.hosts")).status).toBe(401);
    expect((await here.query("fleet.hosts")).status).toBe(200);
    await expect(signIn(t, email, "old-password-123")).rejects.toThrow(/sign-in failed/);
    await signIn(t, email, "new-password-456");
  });

  it("refuses every mutation sent as a form or from another origin, before anything else", async () => {
    const browser = await signIn(t, t.owner.email, t.owner.password);
    const mutations = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>)
      .filter(([, p]) => p._def.type === "mutation")
      .map(([path]) => path);
    expect(mutations.length).toBeGreaterThan(30);
    for (const path of mutations) {
      const form = await fetch(`${t.url}/api/trpc/${path}`, {
        method: "POST",
        headers: { "content-type": "text/plain", cookie: browser.cookie ?? "" },
        body: "{}",
      });
      // tRPC's adapter answers 415 to a body that is not JSON; our guard 403 to anything it lets through.
      expect([403, 415], `${path} as text/plain`).toContain(form.status);
      const crossSite = await browser.mutate(path, {}, { origin: "https://evil.example" });
      expect(crossSite.status, `${path} from another origin`).toBe(403);
      expect(crossSite.error?.message).toMatch(/another site/);
    }
  });

  it("gives a request carrying x-middleware-subrequest nothing more", async () => {
    const forged = {
      "x-middleware-subrequest": "middleware:middleware:middleware:middleware:middleware",
    };
    const anonymous = await fetch(`${t.url}/api/trpc/fleet.hosts`, { headers: forged });
    expect(anonymous.status).toBe(401);
    const rest = await fetch(`${t.url}/api/v1/hosts`, { headers: forged });
    expect(rest.status).toBe(401);
    const csv = await fetch(`${t.url}/api/audit.csv`, { headers: forged });
    expect(csv.status).toBe(401);
    const csrf = await fetch(`${t.url}/api/trpc/teams.create`, {
      method: "POST",
      headers: { ...forged, "content-type": "text/plain" },
      body: JSON.stringify({ name: "x" }),
    });
    expect([403, 415]).toContain(csrf.status);
    expect(await t.prisma.team.count({ where: { orgId: t.owner.orgId, name: "x" } })).toBe(0);
  });
});
