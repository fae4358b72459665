/**
 * Live updates follow team scoping: a member who reads one team gets that team's hosts'
 * updates and never another team's; the owner gets all. Real server, real agents' frames.
 */
import type { EnrollResponse } from "@flotilla/protocol";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClientToServerEvents, HostMetricsEvent, ServerToClientEvents } from "../../shared/live-events.js";
import { memberWithSession } from "../access/matrix-fixtures.js";
import type { TestAgent } from "../testing/agent-client.js";
import { enrolledHost, onlineAgent } from "../testing/commands.js";
import { startTestServer, type TestServer } from "../testing/test-server.js";

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

let t: TestServer;
let hostA: EnrollResponse;
let hostB: EnrollResponse;
let agentA: TestAgent;
let agentB: TestAgent;
const sockets: Client[] = [];
let seq = 1;

beforeAll(async () => {
  t = await startTestServer();
  const teamB = (await t.prisma.team.create({ data: { orgId: t.owner.orgId, name: "Blue" } })).id;
  hostA = await enrolledHost(t);
  hostB = await enrolledHost(t, { ...t.owner, teamId: teamB });
  agentA = await onlineAgent(t, hostA);
  agentB = await onlineAgent(t, hostB);
});
afterAll(async () => {
  for (const s of sockets) s.close();
  agentA?.ws.close();
  agentB?.ws.close();
  await t?.stop();
});

async function connect(cookieToken: string): Promise<Client> {
  const socket: Client = io(t.url, {
    transports: ["websocket"],
    reconnection: false,
    extraHeaders: { cookie: `flotilla_session=${cookieToken}` },
  });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.on("connect", () => resolve());
    socket.on("connect_error", reject);
  });
  return socket;
}

function sendHostMetrics(agent: TestAgent, cpuRatio = 0.1) {
  const sample = { ts: Date.now(), target: { kind: "host" as const }, cpuCores: 1, cpuRatio, memUsedBytes: 1e6 };
  agent.send({
    type: "metrics",
    seq: seq++,
    samples: [{ ...sample, netRxBps: 0, netTxBps: 0, diskReadBps: 0, diskWriteBps: 0 }],
  });
}

describe("live updates by team", () => {
  it("reach a team's readers for that team's hosts only, and the owner for all", async () => {
    const teamB = (await t.prisma.host.findUniqueOrThrow({ where: { id: hostB.hostId } })).teamId;
    const viewer = await memberWithSession(t.prisma, t.owner.orgId, {
      label: "blue",
      teamRoles: { [teamB]: "viewer" },
    });
    const owner = await memberWithSession(t.prisma, t.owner.orgId, { label: "own", orgRole: "owner" });
    const viewerSocket = await connect(viewer.cookieToken);
    const ownerSocket = await connect(owner.cookieToken);
    const viewerSaw: string[] = [];
    const ownerSaw: string[] = [];
    viewerSocket.on("host:metrics", (e: HostMetricsEvent) => viewerSaw.push(e.hostId));
    ownerSocket.on("host:metrics", (e: HostMetricsEvent) => ownerSaw.push(e.hostId));

    sendHostMetrics(agentA);
    sendHostMetrics(agentB);
    const deadline = Date.now() + 10_000;
    while (
      Date.now() < deadline &&
      !(viewerSaw.includes(hostB.hostId) && ownerSaw.includes(hostA.hostId) && ownerSaw.includes(hostB.hostId))
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    // Give host A's update every chance to (wrongly) arrive.
    sendHostMetrics(agentA);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(viewerSaw).toContain(hostB.hostId);
    expect(viewerSaw).not.toContain(hostA.hostId);
    expect(ownerSaw).toEqual(expect.arrayContaining([hostA.hostId, hostB.hostId]));
    // Subscribing to another team's host room is refused like a missing host.
    expect(await viewerSocket.emitWithAck("subscribe", { kind: "host", id: hostA.hostId })).toEqual({
      ok: false,
      error: "not_found",
    });
    expect(await viewerSocket.emitWithAck("subscribe", { kind: "host", id: hostB.hostId })).toEqual({ ok: true });

    // Deployments: a team's readers hear of that team's deployments only.
    const deploymentsSeen: string[] = [];
    viewerSocket.on("deployment:update", (e) => deploymentsSeen.push(e.name));
    const ownerCookie = { cookie: `flotilla_session=${owner.cookieToken}`, "content-type": "application/json" };
    for (const [name, teamId] of [
      ["web-default", t.owner.teamId],
      ["web-blue", teamB],
    ] as const) {
      const res = await fetch(`${t.url}/api/trpc/deploy.create`, {
        method: "POST",
        headers: ownerCookie,
        body: JSON.stringify({ name, image: "busybox:1", replicas: 1, teamId }),
      });
      expect(res.status, await res.clone().text()).toBe(200);
    }
    const until = Date.now() + 10_000;
    while (Date.now() < until && !deploymentsSeen.includes("web-blue")) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    expect(deploymentsSeen).toContain("web-blue");
    expect(deploymentsSeen).not.toContain("web-default");
  });

  it("push alert changes to the readers of the alert's team, and the owner, instead of polling", async () => {
    const teamB = (await t.prisma.host.findUniqueOrThrow({ where: { id: hostB.hostId } })).teamId;
    const blue = await memberWithSession(t.prisma, t.owner.orgId, {
      label: "blue-a",
      teamRoles: { [teamB]: "viewer" },
    });
    const other = await memberWithSession(t.prisma, t.owner.orgId, {
      label: "default-a",
      teamRoles: { [t.owner.teamId]: "viewer" },
    });
    const owner = await memberWithSession(t.prisma, t.owner.orgId, { label: "own-a", orgRole: "owner" });
    const heard = { blue: 0, other: 0, owner: 0 };
    for (const [who, cookie] of [
      ["blue", blue.cookieToken],
      ["other", other.cookieToken],
      ["owner", owner.cookieToken],
    ] as const)
      (await connect(cookie)).on("alerts:changed", (e) => {
        heard[who] += e.changed;
      });
    // An org-wide rule: its alerts belong to the team of the host they are about.
    await t.prisma.alertRule.create({
      data: {
        orgId: t.owner.orgId,
        name: "hot cpu",
        kind: "metric_threshold",
        metric: "cpu",
        comparator: "above",
        threshold: 50,
        scope: { hostIds: [hostB.hostId] },
      },
    });
    const until = Date.now() + 15_000;
    while (Date.now() < until && (heard.blue === 0 || heard.owner === 0)) {
      sendHostMetrics(agentB, 0.9);
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(heard.blue).toBeGreaterThan(0);
    expect(heard.owner).toBeGreaterThan(0);
    expect(heard.other).toBe(0);
    const firing = await t.prisma.alertInstance.count({ where: { hostId: hostB.hostId, state: "firing" } });
    expect(firing).toBe(1);
  });
});
