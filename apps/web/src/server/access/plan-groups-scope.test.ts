// Host groups under the team access model, against the real server and PostgreSQL: plans.scopes
// shows a team member their teams' hosts, groups and teams only, and plans.setHostGroup needs
// hosts.manage in the team of every host it names (one host of another team hides the lot and
// changes nothing).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn } from "../testing/commands.js";
import { startTestServer, type TestServer } from "../testing/test-server.js";
import type { TrpcSession } from "../testing/trpc-client.js";
import { memberWithSession } from "./matrix-fixtures.js";
import type { TeamRole } from "./permissions.js";
import { NOT_FOUND_MESSAGE } from "./scope.js";

interface Scopes {
  groups: Array<{ group: string; hosts: number; online: number }>;
  teams: Array<{ id: string }>;
  hosts: Array<{ id: string; group: string | null }>;
}

let t: TestServer;
let teamA1: string;
let teamA2: string;

async function member(teamRoles: Record<string, TeamRole>): Promise<TrpcSession> {
  const m = await memberWithSession(t.prisma, t.owner.orgId, { label: "groups", teamRoles });
  return signIn(t, m.email, m.password);
}

async function host(teamId: string, group: string): Promise<string> {
  const u = randomUUID().slice(0, 8);
  const row = await t.prisma.host.create({
    data: { orgId: t.owner.orgId, teamId, machineId: `m-${u}`, name: `h-${u}`, status: "online", group },
  });
  return row.id;
}

beforeAll(async () => {
  t = await startTestServer();
  teamA1 = t.owner.teamId;
  teamA2 = (await t.prisma.team.create({ data: { orgId: t.owner.orgId, name: "Second" } })).id;
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

describe("host groups per team", () => {
  it("lists a team's own hosts, groups and teams, and groups only hosts of teams the caller manages", async () => {
    const h1 = await host(teamA1, "shared rack");
    const h2 = await host(teamA2, "shared rack");
    const adminA2 = await member({ [teamA2]: "admin" });
    const viewerA2 = await member({ [teamA2]: "viewer" });

    const seen = (await adminA2.query<Scopes>("plans.scopes")).data as Scopes;
    expect(seen.teams.map((x) => x.id)).toEqual([teamA2]);
    expect(seen.hosts.map((x) => x.id)).toEqual([h2]);
    expect(seen.groups).toEqual([{ group: "shared rack", hosts: 1, online: 1 }]);
    const owner = await signIn(t, t.owner.email, t.owner.password);
    const all = (await owner.query<Scopes>("plans.scopes")).data as Scopes;
    expect(all.groups).toContainEqual({ group: "shared rack", hosts: 2, online: 2 });

    for (const hostIds of [[h2, h1], [h1], [randomUUID()]]) {
      const refused = await adminA2.mutate("plans.setHostGroup", { hostIds, group: "moved" });
      expect(refused.status).toBe(404);
      expect(refused.error?.message).toBe(NOT_FOUND_MESSAGE);
    }
    expect((await viewerA2.mutate("plans.setHostGroup", { hostIds: [h2], group: "moved" })).status).toBe(403);
    const groups = await t.prisma.host.findMany({ where: { id: { in: [h1, h2] } }, select: { group: true } });
    expect(groups.map((g) => g.group)).toEqual(["shared rack", "shared rack"]);

    const done = await adminA2.mutate<{ updated: number }>("plans.setHostGroup", { hostIds: [h2], group: "mine" });
    expect(done.data?.updated).toBe(1);
    expect((await t.prisma.host.findUniqueOrThrow({ where: { id: h2 } })).group).toBe("mine");
  });
});
