/**
 * Removing a host, against a real PostgreSQL and real server nodes: refused while it runs
 * workloads or a migration touches it; an empty online host's agent is cut off on whichever node
 * holds it and cannot come back (as is one whose host enrolled again); an offline host goes with
 * its workloads, and its alerts end.
 */
import { CloseCode, type EnrollResponse } from "@flotilla/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memberWithSession } from "../access/matrix-fixtures.js";
import { createAppServer } from "../app-server.js";
import { createEnrollmentToken } from "../enrollment/tokens.js";
import { parseConfig } from "../env.js";
import { connectAgent, enroll, hostInfo } from "../testing/agent-client.js";
import { enrolledHost, onlineAgent, signIn } from "../testing/commands.js";
import { seedOrg, silentLogger, startTestServer, type TestServer } from "../testing/test-server.js";
import { TrpcSession } from "../testing/trpc-client.js";

let t: TestServer;
let owner: TrpcSession;
let secondNode: ReturnType<typeof createAppServer>;

type Removed = { id: string; name: string; workloadsForgotten: number };

beforeAll(async () => {
  t = await startTestServer();
  owner = await signIn(t, t.owner.email, t.owner.password);
  const config = parseConfig({ DATABASE_URL: t.db.url, PORT: "0", HOST: "127.0.0.1", FLOTILLA_UI: "off" });
  secondNode = createAppServer(config, { logger: silentLogger() });
  await secondNode.start();
});
afterAll(async () => {
  await secondNode?.stop();
  await t?.stop();
});

async function addWorkload(hostId: string, name: string) {
  return t.prisma.workload.create({
    data: { hostId, externalId: `${name}-${hostId}`, kind: "container", driver: "docker", name, state: "running" },
  });
}

async function hostExists(hostId: string) {
  return (await t.prisma.host.count({ where: { id: hostId } })) === 1;
}

describe("fleet.removeHost", () => {
  it("refuses a host that still runs workloads, or that a migration works on, and says what to do", async () => {
    const host = await enrolledHost(t);
    const agent = await onlineAgent(t, host);
    await addWorkload(host.hostId, "web");
    const busy = await owner.mutate("fleet.removeHost", { id: host.hostId });
    expect(busy.error?.data.code).toBe("CONFLICT");
    expect(busy.error?.message).toMatch(/1 workload\(s\) still run on .*: evacuate it first/);

    const other = await enrolledHost(t);
    await t.prisma.workload.updateMany({ where: { hostId: host.hostId }, data: { removedAt: new Date() } });
    const vm = await addWorkload(other.hostId, "vm");
    await t.prisma.migration.create({
      data: {
        orgId: t.owner.orgId,
        workloadId: vm.id,
        externalId: vm.externalId,
        sourceHostId: other.hostId,
        targetHostId: host.hostId,
        state: "migrating",
      },
    });
    const migrating = await owner.mutate("fleet.removeHost", { id: host.hostId });
    expect(migrating.error?.data.code).toBe("CONFLICT");
    expect(migrating.error?.message).toMatch(/in use by a running migration/);
    // In maintenance with its evacuation running: the evacuation is what it says, not "maintenance".
    const draining = await enrolledHost(t);
    await t.prisma.host.update({ where: { id: draining.hostId }, data: { status: "maintenance" } });
    await t.prisma.evacuation.create({ data: { orgId: t.owner.orgId, hostId: draining.hostId, state: "running" } });
    const evacuating = await owner.mutate("fleet.removeHost", { id: draining.hostId });
    expect(evacuating.error?.message).toMatch(/in use by its evacuation/);
    expect(await hostExists(host.hostId)).toBe(true);
    agent.ws.close();
  });

  it("is for hosts.manage in the host's team; other organisations see nothing", async () => {
    const host = await enrolledHost(t);
    const viewer = await memberWithSession(t.prisma, t.owner.orgId, { label: "viewer", orgRole: "viewer" });
    const asViewer = new TrpcSession(t.url);
    asViewer.cookie = `flotilla_session=${viewer.cookieToken}`;
    expect((await asViewer.mutate("fleet.removeHost", { id: host.hostId })).error?.data.code).toBe("FORBIDDEN");
    const stranger = await seedOrg(t.prisma, "stranger");
    const asStranger = await signIn(t, stranger.email, stranger.password);
    expect((await asStranger.mutate("fleet.removeHost", { id: host.hostId })).error?.data.code).toBe("NOT_FOUND");
    expect(await hostExists(host.hostId)).toBe(true);
  });

  it("cuts off an empty host's agent on the node that holds it, for good", async () => {
    const host: EnrollResponse = await enrolledHost(t);
    // The agent is on the second node; the removal is asked of the first.
    const agent = await connectAgent(secondNode.url, host);
    agent.hello();
    await agent.next("welcome");
    const removed = await owner.mutate<Removed>("fleet.removeHost", { id: host.hostId });
    expect(removed.data).toMatchObject({ id: host.hostId, workloadsForgotten: 0 });
    const closed = await agent.closed;
    expect(closed).toEqual({ code: CloseCode.unauthorized, reason: "this host was removed from the fleet" });
    expect(await hostExists(host.hostId)).toBe(false);
    // Its credential is gone with it: connecting again is refused at the upgrade.
    const again = await connectAgent(t.url, host).catch((err: Error) => err);
    expect(String(again)).toMatch(/401/);
    expect((await owner.query("fleet.host", { id: host.hostId })).error?.data.code).toBe("NOT_FOUND");
  });

  it("forgets an offline host's workloads and ends its open alerts", async () => {
    const host = await enrolledHost(t);
    await addWorkload(host.hostId, "a");
    await addWorkload(host.hostId, "b");
    const rule = await t.prisma.alertRule.create({
      data: { orgId: t.owner.orgId, name: "offline", kind: "host_offline" },
    });
    const alert = await t.prisma.alertInstance.create({
      data: {
        orgId: t.owner.orgId,
        ruleId: rule.id,
        hostId: host.hostId,
        subject: host.hostId,
        state: "firing",
        severity: "warning",
      },
    });
    const removed = await owner.mutate<Removed>("fleet.removeHost", { id: host.hostId });
    expect(removed.data).toMatchObject({ workloadsForgotten: 2 });
    expect(await t.prisma.workload.count({ where: { hostId: host.hostId } })).toBe(0);
    expect((await t.prisma.alertInstance.findUniqueOrThrow({ where: { id: alert.id } })).state).toBe("resolved");
  });

  it("also cuts off, on any node, an agent whose host enrolled again", async () => {
    const enrolAs = async (machineId: string) => {
      const { token } = await createEnrollmentToken(t.prisma, {
        orgId: t.owner.orgId,
        teamId: t.owner.teamId,
        ttlMs: 60_000,
      });
      const res = await enroll(t.url, { token, host: hostInfo(machineId), agentVersion: "0.0.0-test" });
      expect(res.status).toBe(200);
      return res.json as EnrollResponse;
    };
    const machineId = `reenrol-${Date.now()}`;
    const first = await enrolAs(machineId);
    const agent = await connectAgent(secondNode.url, first);
    agent.hello();
    await agent.next("welcome");
    const second = await enrolAs(machineId);
    expect(second.hostId).toBe(first.hostId);
    expect(await agent.closed).toEqual({
      code: CloseCode.unauthorized,
      reason: "credential replaced by a new enrolment",
    });
  });

  it("closes an agent whose credential was revoked while a node's listener was down, once it reconnects", async () => {
    const host = await enrolledHost(t);
    const agent = await connectAgent(secondNode.url, host);
    agent.hello();
    await agent.next("welcome");
    // A revocation whose notice no node hears (none is sent), then every listener loses its link.
    await t.prisma.agent.update({ where: { id: host.agentId }, data: { revokedAt: new Date() } });
    await t.db.pool.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN %flotilla_agent_revoked%'",
    );
    expect(await agent.closed).toEqual({ code: CloseCode.unauthorized, reason: "credential revoked" });
  });
});
