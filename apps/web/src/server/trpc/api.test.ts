// The tRPC API and the live Socket.IO channel against a real PostgreSQL, over real HTTP:
// sign-in and sessions, CSRF, permissions, organisation isolation and the fleet read model.
import { randomUUID } from "node:crypto";
import { hashPassword } from "@flotilla/db";
import type { EnrollResponse } from "@flotilla/protocol";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClientToServerEvents, HostMetricsEvent, ServerToClientEvents } from "../../shared/live-events.js";
import { createEnrollmentToken } from "../enrollment/tokens.js";
import { connectAgent, enroll, hostInfo, type TestAgent } from "../testing/agent-client.js";
import { seedOrg, startTestServer, type TestServer } from "../testing/test-server.js";
import { TrpcSession } from "../testing/trpc-client.js";

let t: TestServer;
let owner: TrpcSession;
let other: TrpcSession;
let hostA: EnrollResponse;
let agentA: TestAgent;

async function signedIn(email: string, password: string): Promise<TrpcSession> {
  const session = new TrpcSession(t.url);
  const res = await session.mutate("auth.signIn", { email, password });
  expect(res.status, JSON.stringify(res.error)).toBe(200);
  return session;
}

beforeAll(async () => {
  t = await startTestServer();
  owner = await signedIn(t.owner.email, t.owner.password);
  const b = await seedOrg(t.prisma, "other");
  other = await signedIn(b.email, b.password);

  const { token } = await createEnrollmentToken(t.prisma, {
    orgId: t.owner.orgId,
    teamId: t.owner.teamId,
    ttlMs: 60_000,
  });
  hostA = (await enroll(t.url, { token, host: hostInfo(randomUUID()), agentVersion: "1.2.3" })).json as EnrollResponse;
  agentA = await connectAgent(t.url, hostA);
  agentA.hello();
  await agentA.next("welcome");
  agentA.send({
    type: "inventory",
    full: true,
    host: hostInfo("m", { hostname: "alpha", memoryBytes: 16e9 }),
    workloads: [
      { id: "vm-1", name: "db", kind: "vm", driver: "qemu", state: "running", vcpus: 2, memoryBytes: 2e9 },
      { id: "c-1", name: "web", kind: "container", driver: "docker", state: "exited", image: "nginx" },
    ],
  });
  const ts = Date.now() - 2_000;
  agentA.send({
    type: "metrics",
    seq: 1,
    samples: [
      {
        ts,
        target: { kind: "host" },
        cpuCores: 2,
        cpuRatio: 0.25,
        memUsedBytes: 4e9,
        memTotalBytes: 16e9,
        netRxBps: 1,
        netTxBps: 2,
        diskReadBps: 3,
        diskWriteBps: 4,
        load1: 0.7,
      },
      {
        ts,
        target: { kind: "vm", id: "vm-1" },
        cpuCores: 0.5,
        memUsedBytes: 1e9,
        netRxBps: 0,
        netTxBps: 0,
        diskReadBps: 0,
        diskWriteBps: 0,
      },
    ],
  });
  await agentA.next("ack");
});

afterAll(async () => {
  agentA?.ws.close();
  await t?.stop();
});

describe("auth", () => {
  it("signs in with a session cookie that is httpOnly and SameSite=Lax", async () => {
    const session = new TrpcSession(t.url);
    const res = await session.mutate("auth.signIn", { email: t.owner.email.toUpperCase(), password: t.owner.password });
    expect(res.data).toEqual({
      user: { id: t.owner.userId, email: t.owner.email, name: expect.any(String) },
      org: { id: t.owner.orgId, name: expect.any(String) },
    });
    expect(res.setCookie).toMatch(/^flotilla_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    const me = await session.query("auth.me");
    expect(me.data).toMatchObject({
      user: { id: t.owner.userId },
      org: { id: t.owner.orgId, slug: expect.any(String) },
      role: "owner",
    });
  });

  it("refuses a wrong password without saying which part was wrong", async () => {
    const session = new TrpcSession(t.url);
    const wrong = await session.mutate("auth.signIn", { email: t.owner.email, password: "nope" });
    const nobody = await session.mutate("auth.signIn", { email: "nobody@example.test", password: "nope" });
    expect(wrong.error?.data.code).toBe("UNAUTHORIZED");
    expect(nobody.error?.message).toBe(wrong.error?.message);
    expect(wrong.setCookie).toBeNull();
  });

  it("answers me() with null and protected procedures with UNAUTHORIZED when signed out", async () => {
    const anonymous = new TrpcSession(t.url);
    expect((await anonymous.query("auth.me")).data).toBeNull();
    expect((await anonymous.query("fleet.hosts")).error?.data.code).toBe("UNAUTHORIZED");
    anonymous.cookie = "flotilla_session=not-a-session";
    expect((await anonymous.query("fleet.summary")).status).toBe(401);
  });

  it("signs out: the cookie is cleared and the session no longer works", async () => {
    const session = await signedIn(t.owner.email, t.owner.password);
    const cookie = session.cookie;
    const res = await session.mutate("auth.signOut");
    expect(res.data).toEqual({ ok: true });
    expect(res.setCookie).toMatch(/Max-Age=0/);
    const stale = new TrpcSession(t.url);
    stale.cookie = cookie;
    expect((await stale.query("auth.me")).data).toBeNull();
  });
});

describe("CSRF", () => {
  it("refuses mutations that are not application/json (what an HTML form can send)", async () => {
    const credentials = { email: t.owner.email, password: t.owner.password };
    const form = new FormData();
    form.set("email", credentials.email);
    form.set("password", credentials.password);
    // tRPC itself answers 415 to types it cannot parse; it would take multipart, which the CSRF guard refuses.
    const bodies: Array<[string | null, BodyInit, number[]]> = [
      ["text/plain", JSON.stringify(credentials), [403, 415]],
      ["application/x-www-form-urlencoded", new URLSearchParams(credentials).toString(), [403, 415]],
      [null, form, [403]],
    ];
    for (const [contentType, body, refused] of bodies) {
      const res = await fetch(`${t.url}/api/trpc/auth.signIn`, {
        method: "POST",
        headers: contentType ? { "content-type": contentType } : {},
        body,
      });
      expect(refused, `${contentType ?? "multipart/form-data"}`).toContain(res.status);
      expect(res.headers.get("set-cookie")).toBeNull();
    }
  });

  it("refuses mutations from another origin and accepts our own", async () => {
    const host = new URL(t.url).host;
    const body = { email: t.owner.email, password: t.owner.password };
    const evil = await new TrpcSession(t.url).mutate("auth.signIn", body, { origin: "https://evil.example" });
    expect(evil.status).toBe(403);
    const ours = await new TrpcSession(t.url).mutate("auth.signIn", body, { origin: `http://${host}` });
    expect(ours.status).toBe(200);
  });
});

describe("permissions", () => {
  it("lets an owner make an enrolment token that enrols a host", async () => {
    const res = await owner.mutate<{ token: string; expiresAt: string; installCommand: string }>(
      "enrollment.createToken",
      {
        ttlMinutes: 5,
      },
    );
    expect(res.data?.installCommand).toContain(res.data?.token);
    expect(Date.parse(res.data?.expiresAt ?? "") - Date.now()).toBeGreaterThan(4 * 60_000);
    const enrolled = await enroll(t.url, {
      token: res.data?.token ?? "",
      host: hostInfo(randomUUID()),
      agentVersion: "1",
    });
    expect(enrolled.status).toBe(200);
  });

  it("refuses a viewer what the role table does not grant", async () => {
    const email = `viewer-${randomUUID()}@example.test`;
    const user = await t.prisma.user.create({
      data: { email, name: "Vi", passwordHash: await hashPassword("viewer-pass") },
    });
    await t.prisma.orgMember.create({ data: { orgId: t.owner.orgId, userId: user.id, role: "viewer" } });
    const viewer = await signedIn(email, "viewer-pass");
    expect((await viewer.query("fleet.hosts")).status).toBe(200);
    const denied = await viewer.mutate("enrollment.createToken", {});
    expect(denied.error?.data.code).toBe("FORBIDDEN");
  });
});

describe("organisation isolation", () => {
  it("answers another organisation's host exactly like a missing one", async () => {
    const foreign = await other.query("fleet.host", { id: hostA.hostId });
    const missing = await other.query("fleet.host", { id: randomUUID() });
    expect(foreign.error?.data.code).toBe("NOT_FOUND");
    expect(foreign.status).toBe(missing.status);
    expect(foreign.error?.message).toBe(missing.error?.message);
    expect((await other.query("fleet.workloads", { hostId: hostA.hostId })).error?.data.code).toBe("NOT_FOUND");
    expect((await other.query("fleet.hostMetrics", { id: hostA.hostId, range: "1h" })).error?.data.code).toBe(
      "NOT_FOUND",
    );
    const hosts = await other.query<Array<{ id: string }>>("fleet.hosts");
    expect(hosts.data).toEqual([]);
    const summary = await other.query<{ hosts: { total: number } }>("fleet.summary");
    expect(summary.data?.hosts.total).toBe(0);
  });
});

describe("fleet read model", () => {
  it("answers batched calls the way httpBatchLink sends them", async () => {
    const input = encodeURIComponent(JSON.stringify({ 0: undefined, 1: { id: hostA.hostId } }));
    const res = await fetch(`${t.url}/api/trpc/fleet.summary,fleet.host?batch=1&input=${input}`, {
      headers: { cookie: owner.cookie ?? "" },
    });
    const body = (await res.json()) as Array<{ result?: { data: { id?: string } } }>;
    expect(body).toHaveLength(2);
    expect(body[1]?.result?.data.id).toBe(hostA.hostId);
  });

  it("lists hosts with their latest figures and workload counts", async () => {
    const hosts = await owner.query<Array<Record<string, unknown>>>("fleet.hosts");
    const row = hosts.data?.find((h) => h.id === hostA.hostId);
    expect(row).toMatchObject({
      name: "alpha",
      teamName: "Default",
      status: "online",
      simulated: false,
      cpuCores: 8,
      memoryBytes: 16e9,
      agentVersion: "0.0.0-test",
      lastSeenAt: expect.any(String),
      vmCount: 1,
      containerCount: 1,
      now: { ts: expect.any(Number), cpuRatio: 0.25, memRatio: 0.25 },
    });
    expect(row?.spark).toEqual([0.25]);
  });

  it("describes one host and its workloads", async () => {
    const host = await owner.query<Record<string, unknown>>("fleet.host", { id: hostA.hostId });
    expect(host.data).toMatchObject({
      id: hostA.hostId,
      cpuModel: "Test CPU",
      kvm: false,
      drivers: ["proc", "sim"],
      intervalMs: 1000,
    });
    expect(typeof host.data?.createdAt).toBe("string");
    const workloads = await owner.query<Array<Record<string, unknown>>>("fleet.workloads", { hostId: hostA.hostId });
    expect(workloads.data).toEqual([
      expect.objectContaining({
        externalId: "vm-1",
        kind: "vm",
        state: "running",
        vcpus: 2,
        memoryBytes: 2e9,
        now: { cpuCores: 0.5, memUsedBytes: 1e9 },
      }),
      expect.objectContaining({ externalId: "c-1", kind: "container", state: "exited", image: "nginx", now: null }),
    ]);
  });

  it("returns chart series as columns", async () => {
    const series = await owner.query<Record<string, unknown[]>>("fleet.hostMetrics", { id: hostA.hostId, range: "1h" });
    expect(series.data?.ts).toHaveLength(1);
    expect(series.data?.cpuRatio).toEqual([0.25]);
    expect(series.data?.load1?.[0]).toBeCloseTo(0.7);
  });

  it("sums the fleet for the home page", async () => {
    const summary = await owner.query("fleet.summary");
    expect(summary.data).toMatchObject({
      hosts: { online: 1, total: expect.any(Number) },
      vms: { running: 1, total: 1 },
      containers: { running: 0, total: 1 },
      cpu: { usedCores: 2, totalCores: 8 },
      memory: { usedBytes: 4e9, totalBytes: 16e9 },
    });
  });
});

describe("live updates", () => {
  type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
  const open: Client[] = [];
  function connect(cookie: string | null): Client {
    const socket: Client = io(t.url, {
      transports: ["websocket"],
      reconnection: false,
      extraHeaders: cookie ? { cookie } : {},
    });
    open.push(socket);
    return socket;
  }
  afterAll(() => {
    for (const s of open) s.close();
  });

  it("refuses a connection without a session", async () => {
    const socket = connect(null);
    const error = await new Promise<Error>((resolve) => socket.on("connect_error", resolve));
    expect(error.message).toBe("unauthorized");
  });

  it("pushes host metrics to the organisation and workload metrics to subscribers", async () => {
    const socket = connect(owner.cookie);
    await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
    const subscribed = await socket.emitWithAck("subscribe", { kind: "host", id: hostA.hostId });
    expect(subscribed).toEqual({ ok: true });
    const hostEvent = new Promise<HostMetricsEvent>((resolve) => socket.on("host:metrics", resolve));
    const workloadEvent = new Promise((resolve) => socket.on("workload:metrics", resolve));
    const ts = Date.now();
    agentA.send({
      type: "metrics",
      seq: 2,
      samples: [
        {
          ts,
          target: { kind: "host" },
          cpuCores: 4,
          cpuRatio: 0.5,
          memUsedBytes: 8e9,
          netRxBps: 0,
          netTxBps: 0,
          diskReadBps: 0,
          diskWriteBps: 0,
        },
        {
          ts,
          target: { kind: "vm", id: "vm-1" },
          cpuCores: 1,
          memUsedBytes: 1e9,
          netRxBps: 0,
          netTxBps: 0,
          diskReadBps: 0,
          diskWriteBps: 0,
        },
      ],
    });
    expect(await hostEvent).toMatchObject({
      hostId: hostA.hostId,
      ts,
      cpuRatio: 0.5,
      memRatio: 0.5,
      memTotalBytes: null,
      load1: null,
    });
    expect(await workloadEvent).toEqual({
      hostId: hostA.hostId,
      ts,
      items: [
        {
          externalId: "vm-1",
          kind: "vm",
          cpuCores: 1,
          memUsedBytes: 1e9,
          netRxBps: 0,
          netTxBps: 0,
          diskReadBps: 0,
          diskWriteBps: 0,
        },
      ],
    });
  });

  it("refuses to subscribe to another organisation's host", async () => {
    const socket = connect(other.cookie);
    await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
    expect(await socket.emitWithAck("subscribe", { kind: "host", id: hostA.hostId })).toMatchObject({ ok: false });
    expect(await socket.emitWithAck("subscribe", { kind: "nope" } as never)).toMatchObject({ ok: false });
  });
});

describe("sign-in throttling", () => {
  it("locks an account after repeated failures, even for the right password", async () => {
    const b = await seedOrg(t.prisma, "locked");
    const session = new TrpcSession(t.url);
    for (let i = 0; i < 10; i++) await session.mutate("auth.signIn", { email: b.email, password: "wrong" });
    const res = await session.mutate("auth.signIn", { email: b.email, password: b.password });
    expect(res.status).toBe(429);
    expect(res.error?.data.code).toBe("TOO_MANY_REQUESTS");
  });

  it("limits attempts per address", async () => {
    const session = new TrpcSession(t.url);
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++)
      statuses.push((await session.mutate("auth.signIn", { email: `x${i}@example.test`, password: "x" })).status);
    expect(statuses).toContain(401);
    expect(statuses.at(-1)).toBe(429);
  });
});
