// Alerting under the team access model, against the real server and PostgreSQL: team admins see
// and change their own team's rules, silences, alerts and webhook endpoints only (another team's
// answer exactly like a missing one), organisation-wide ones are the owner's, and an alert raised
// for a host notifies that host's team's endpoints and the organisation-wide ones, never another
// team's.
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memberWithSession } from "../access/matrix-fixtures.js";
import type { TeamRole } from "../access/permissions.js";
import { NOT_FOUND_MESSAGE } from "../access/scope.js";
import { enrolledHost, signIn } from "../testing/commands.js";
import { startTestServer, type TestServer } from "../testing/test-server.js";
import type { TrpcResult, TrpcSession } from "../testing/trpc-client.js";

interface Received {
  path: string;
  json: { type: string; data: { alert: { hostId: string | null; state: string } } };
}

let t: TestServer;
let receiver: Server;
let base: string;
const received: Received[] = [];
let teamA1: string;
let teamA2: string;
let owner: TrpcSession;
let adminA1: TrpcSession;
let adminA2: TrpcSession;
let viewerA2: TrpcSession;

async function waitFor<T>(what: string, probe: () => Promise<T> | T, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function member(teamRoles: Record<string, TeamRole>): Promise<TrpcSession> {
  const m = await memberWithSession(t.prisma, t.owner.orgId, { label: "alerting", teamRoles });
  return signIn(t, m.email, m.password);
}

function ok<T>(res: TrpcResult<T>): T {
  expect(res.status, JSON.stringify(res.error)).toBe(200);
  return res.data as T;
}

/** A refusal that must not tell a forbidden object from a missing one. */
function expectHidden(res: TrpcResult) {
  expect(res.status).toBe(404);
  expect(res.error?.message).toBe(NOT_FOUND_MESSAGE);
}

/** Refused for what it asks (every team), not for what exists: nothing is revealed. */
function expectNameATeam(res: TrpcResult) {
  expect(res.status).toBe(400);
  expect(res.error?.message).toMatch(/^Name a team \(.*teamId\)/);
}

const ids = <T extends { id: string }>(rows: T[] | undefined) => (rows ?? []).map((r) => r.id).sort();

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      received.push({ path: req.url ?? "", json: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  t = await startTestServer({
    FLOTILLA_SECRET_KEY: randomBytes(32).toString("base64"),
    FLOTILLA_WEBHOOK_ALLOW_CIDRS: "127.0.0.0/8",
    FLOTILLA_WEBHOOK_RETRY_DELAY: "1s",
  });
  teamA1 = t.owner.teamId;
  teamA2 = (await t.prisma.team.create({ data: { orgId: t.owner.orgId, name: "Second" } })).id;
  owner = await signIn(t, t.owner.email, t.owner.password);
  adminA1 = await member({ [teamA1]: "admin" });
  adminA2 = await member({ [teamA2]: "admin" });
  viewerA2 = await member({ [teamA2]: "viewer" });
}, 60_000);
afterAll(async () => {
  await t?.stop();
  await new Promise((r) => receiver?.close(r));
});

describe("alerting per team", () => {
  const offline = { kind: "host_offline", severity: "warning" };

  it("lets a team admin manage its own team's rules and silences only; org-wide ones are the owner's", async () => {
    const mine = ok(
      await adminA2.mutate<{ id: string }>("alerts.createRule", { ...offline, name: "A2", teamId: teamA2 }),
    );
    // Leaving the team out asks for the whole organisation: the answer says to name a team.
    expectNameATeam(await adminA2.mutate("alerts.createRule", { ...offline, name: "every team" }));
    expectHidden(await adminA2.mutate("alerts.createRule", { ...offline, name: "theirs", teamId: teamA1 }));
    const theirs = ok(
      await owner.mutate<{ id: string }>("alerts.createRule", { ...offline, name: "A1", teamId: teamA1 }),
    );
    const orgWide = ok(await owner.mutate<{ id: string }>("alerts.createRule", { ...offline, name: "org" }));

    expect(ids(ok(await adminA2.query<{ id: string }[]>("alerts.rules")))).toEqual([mine.id]);
    expect(ids(ok(await adminA1.query<{ id: string }[]>("alerts.rules")))).toEqual([theirs.id]);
    expect(ids(ok(await owner.query<{ id: string }[]>("alerts.rules")))).toEqual(
      [mine.id, theirs.id, orgWide.id].sort(),
    );
    const teams = ok(await adminA2.query<{ id: string }[]>("alerts.teams"));
    expect(ids(teams)).toEqual([teamA2]);

    // Another team's rule and an org-wide one answer exactly like one that does not exist.
    for (const id of [theirs.id, orgWide.id, randomUUID()]) {
      expectHidden(await adminA2.mutate("alerts.removeRule", { id }));
      expectHidden(await adminA2.mutate("alerts.updateRule", { id, rule: { ...offline, name: "x", teamId: teamA2 } }));
    }
    // Nor can a team admin move its own rule to another team, or make it org-wide.
    expectHidden(
      await adminA2.mutate("alerts.updateRule", { id: mine.id, rule: { ...offline, name: "x", teamId: teamA1 } }),
    );
    expectNameATeam(await adminA2.mutate("alerts.updateRule", { id: mine.id, rule: { ...offline, name: "x" } }));
    expect((await t.prisma.alertRule.findUniqueOrThrow({ where: { id: mine.id } })).teamId).toBe(teamA2);
    expect(await t.prisma.alertRule.count({ where: { id: { in: [theirs.id, orgWide.id] } } })).toBe(2);
    ok(
      await adminA2.mutate("alerts.updateRule", {
        id: mine.id,
        rule: { ...offline, name: "A2 renamed", teamId: teamA2 },
      }),
    );
    // A viewer of the team reads the rule but may not change it: visible, so FORBIDDEN.
    expect(ids(ok(await viewerA2.query<{ id: string }[]>("alerts.rules")))).toEqual([mine.id]);
    expect((await viewerA2.mutate("alerts.removeRule", { id: mine.id })).status).toBe(403);

    const window = { startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString() };
    const silence = ok(await adminA2.mutate<{ id: string }>("alerts.createSilence", { ...window, teamId: teamA2 }));
    expectNameATeam(await adminA2.mutate("alerts.createSilence", window));
    const orgSilence = ok(await owner.mutate<{ id: string }>("alerts.createSilence", window));
    expect(ids(ok(await adminA2.query<{ id: string }[]>("alerts.silences")))).toEqual([silence.id]);
    expectHidden(await adminA2.mutate("alerts.removeSilence", { id: orgSilence.id }));
    ok(await adminA2.mutate("alerts.removeSilence", { id: silence.id }));
    ok(await owner.mutate("alerts.removeSilence", { id: orgSilence.id }));
    for (const id of [mine.id, theirs.id, orgWide.id]) ok(await owner.mutate("alerts.removeRule", { id }));
  });

  it("sends a host's alerts to its team's endpoints and the org-wide ones only, and lists them per team", async () => {
    const a1 = ok(
      await adminA1.mutate<{ endpoint: { id: string } }>("webhooks.create", {
        name: "a1",
        url: `${base}/a1`,
        teamId: teamA1,
      }),
    );
    const a2 = ok(
      await adminA2.mutate<{ endpoint: { id: string } }>("webhooks.create", {
        name: "a2",
        url: `${base}/a2`,
        teamId: teamA2,
      }),
    );
    expectNameATeam(await adminA2.mutate("webhooks.create", { name: "all", url: `${base}/all` }));
    const all = ok(
      await owner.mutate<{ endpoint: { id: string } }>("webhooks.create", { name: "all", url: `${base}/all` }),
    );

    // Lists per team; full URLs only where the caller manages the endpoint.
    const seenByA2 = ok(await adminA2.query<{ id: string; url: string }[]>("webhooks.list"));
    expect(seenByA2).toEqual([expect.objectContaining({ id: a2.endpoint.id, url: `${base}/a2` })]);
    const seenByViewer = ok(await viewerA2.query<{ id: string; url: string }[]>("webhooks.list"));
    expect(seenByViewer).toEqual([expect.objectContaining({ id: a2.endpoint.id, url: `${base}/…` })]);
    expect(ids(ok(await owner.query<{ id: string }[]>("webhooks.list")))).toEqual(
      [a1.endpoint.id, a2.endpoint.id, all.endpoint.id].sort(),
    );
    for (const id of [a1.endpoint.id, all.endpoint.id]) {
      expectHidden(await adminA2.query("webhooks.deliveries", { endpointId: id }));
      expectHidden(await adminA2.mutate("webhooks.rotateSecret", { id }));
      expectHidden(await adminA2.mutate("webhooks.sendTest", { id }));
      expectHidden(await adminA2.mutate("webhooks.remove", { id }));
    }
    expectHidden(
      await adminA2.mutate("webhooks.update", {
        id: a2.endpoint.id,
        endpoint: { name: "a2", url: `${base}/a2`, teamId: teamA1 },
        enabled: true,
      }),
    );

    // One host per team, both offline; one org-wide rule covers both.
    const host1 = (await enrolledHost(t)).hostId;
    const host2 = (await enrolledHost(t)).hostId;
    await t.prisma.host.update({ where: { id: host2 }, data: { teamId: teamA2 } });
    const rule = ok(
      await owner.mutate<{ id: string }>("alerts.createRule", {
        ...offline,
        name: "hosts offline",
        scope: { hostIds: [host1, host2] },
      }),
    );
    await t.prisma.host.updateMany({
      where: { id: { in: [host1, host2] } },
      data: { status: "offline", lastSeenAt: new Date(Date.now() - 600_000) },
    });
    const firing = (path: string, hostId: string) =>
      received.some((r) => r.path === path && r.json.type === "alert.firing" && r.json.data.alert.hostId === hostId);
    await waitFor("org-wide endpoint notified of both hosts", () => firing("/all", host1) && firing("/all", host2));
    await waitFor("each team's endpoint notified", () => firing("/a1", host1) && firing("/a2", host2));
    // Give a stray cross-team delivery time to arrive before checking there is none.
    await new Promise((r) => setTimeout(r, 1500));
    expect(firing("/a1", host2)).toBe(false);
    expect(firing("/a2", host1)).toBe(false);
    const alerts = await t.prisma.alertInstance.findMany({ where: { ruleId: rule.id } });
    expect(Object.fromEntries(alerts.map((a) => [a.hostId, a.teamId]))).toEqual({ [host1]: teamA1, [host2]: teamA2 });
    const deliveries = ok(
      await adminA2.query<{ event: string; state: string }[]>("webhooks.deliveries", { endpointId: a2.endpoint.id }),
    );
    expect(deliveries.map((d) => d.event)).toContain("alert.firing");

    // Alerts are listed per team too; another team's alert is hidden like a missing one.
    const alertOf = (hostId: string) => alerts.find((a) => a.hostId === hostId)?.id as string;
    const listed = ok(await adminA2.query<{ id: string }[]>("alerts.list", { state: "all" }));
    expect(ids(listed)).toEqual([alertOf(host2)]);
    ok(await adminA2.query("alerts.history", { id: alertOf(host2) }));
    expectHidden(await adminA2.query("alerts.history", { id: alertOf(host1) }));
    expectHidden(await adminA2.query("alerts.history", { id: randomUUID() }));
    expect(ids(ok(await owner.query<{ id: string }[]>("alerts.list", { state: "all" })))).toEqual(
      [alertOf(host1), alertOf(host2)].sort(),
    );
  });
});
