/**
 * Lists of migrations and evacuations filter by the caller's teams inside the query: a member of
 * one team gets a full page of their own rows even when newer rows of other teams outnumber the
 * page (filtering after `take` used to return that member an empty page).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../testing/test-server.js";
import { TrpcSession } from "../testing/trpc-client.js";
import { memberWithSession } from "./matrix-fixtures.js";

let t: TestServer;
let hostA: string;
let hostB: string;
let memberOfA: TrpcSession;

const OTHER_TEAM_ROWS = 60;
const OWN_ROWS = 3;

async function addMigrations(from: string, to: string, count: number, startMs: number) {
  const workload = await t.prisma.workload.create({
    data: { hostId: from, externalId: `vm-${from}-${to}`, kind: "vm", driver: "qemu", name: "vm", state: "running" },
  });
  await t.prisma.migration.createMany({
    data: Array.from({ length: count }, (_, i) => ({
      orgId: t.owner.orgId,
      workloadId: workload.id,
      externalId: workload.externalId,
      sourceHostId: from,
      targetHostId: to,
      state: "succeeded" as const,
      apiCalledAt: new Date(startMs + i * 1000),
    })),
  });
}

async function addEvacuations(hostId: string, count: number, startMs: number) {
  await t.prisma.evacuation.createMany({
    data: Array.from({ length: count }, (_, i) => ({
      orgId: t.owner.orgId,
      hostId,
      state: "succeeded" as const,
      createdAt: new Date(startMs + i * 1000),
    })),
  });
}

beforeAll(async () => {
  t = await startTestServer();
  const teamA = t.owner.teamId;
  const teamB = (await t.prisma.team.create({ data: { orgId: t.owner.orgId, name: "B" } })).id;
  const host = (teamId: string, name: string) =>
    t.prisma.host.create({ data: { orgId: t.owner.orgId, teamId, machineId: name, name } });
  hostA = (await host(teamA, "host-a")).id;
  const hostA2 = (await host(teamA, "host-a2")).id;
  hostB = (await host(teamB, "host-b")).id;
  const hostB2 = (await host(teamB, "host-b2")).id;

  // Team A's rows are the oldest: a filter applied after the newest 50 would drop them all.
  const old = Date.now() - 3_600_000;
  await addMigrations(hostA, hostA2, OWN_ROWS, old);
  await addMigrations(hostA, hostB, 2, old + 100_000); // one end in team B: not team A's to see
  await addMigrations(hostB, hostB2, OTHER_TEAM_ROWS, old + 200_000);
  await addEvacuations(hostA, OWN_ROWS, old);
  await addEvacuations(hostB, OTHER_TEAM_ROWS, old + 200_000);

  const m = await memberWithSession(t.prisma, t.owner.orgId, { label: "viewer-a", teamRoles: { [teamA]: "viewer" } });
  memberOfA = new TrpcSession(t.url);
  memberOfA.cookie = `flotilla_session=${m.cookieToken}`;
});
afterAll(async () => {
  await t?.stop();
});

type Row = { sourceHostId?: string; targetHostId?: string; hostId?: string };

describe("team-scoped lists", () => {
  it("migrations.list gives a team member every migration between their hosts, however many others are newer", async () => {
    const rows = (await memberOfA.query<Row[]>("migrations.list", { limit: 50 })).data ?? [];
    expect(rows).toHaveLength(OWN_ROWS);
    for (const r of rows) expect([r.sourceHostId, r.targetHostId]).not.toContain(hostB);
  });

  it("maintenance.list gives a team member their hosts' evacuations, and a full page to the owner", async () => {
    const rows = (await memberOfA.query<Row[]>("maintenance.list", { limit: 50 })).data ?? [];
    expect(rows).toHaveLength(OWN_ROWS);
    expect(new Set(rows.map((r) => r.hostId))).toEqual(new Set([hostA]));
    expect((await memberOfA.query("maintenance.list", { hostId: hostB })).error?.data.code).toBe("NOT_FOUND");

    const owner = new TrpcSession(t.url);
    expect((await owner.mutate("auth.signIn", { email: t.owner.email, password: t.owner.password })).status).toBe(200);
    expect((await owner.query<Row[]>("maintenance.list", { limit: 50 })).data).toHaveLength(50);
    expect((await owner.query<Row[]>("migrations.list", { limit: 50 })).data).toHaveLength(50);
  });
});
