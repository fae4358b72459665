// The agent gateway against a real PostgreSQL: enrolment, the hello handshake, invalid frames,
// exactly-once metrics and connection replacement, all over real HTTP and WebSockets.
import { randomUUID } from "node:crypto";
import { CloseCode, type EnrollResponse, type MetricsFrame } from "@flotilla/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAppServer } from "../app-server.js";
import { createEnrollmentToken } from "../enrollment/tokens.js";
import { parseConfig } from "../env.js";
import { connectAgent, enroll, hostInfo, type TestAgent } from "../testing/agent-client.js";
import { silentLogger, startTestServer, type TestServer } from "../testing/test-server.js";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.stop();
});

async function newToken(ttlMs = 60_000) {
  return (await createEnrollmentToken(t.prisma, { orgId: t.owner.orgId, teamId: t.owner.teamId, ttlMs })).token;
}

async function enrolledAgent(machineId = randomUUID()): Promise<EnrollResponse> {
  const res = await enroll(t.url, { token: await newToken(), host: hostInfo(machineId), agentVersion: "0.0.0-test" });
  expect(res.status).toBe(200);
  return res.json as EnrollResponse;
}

async function greeted(credential: EnrollResponse): Promise<TestAgent> {
  const agent = await connectAgent(t.url, credential);
  agent.hello();
  const welcome = await agent.next("welcome");
  expect(welcome).toMatchObject({ type: "welcome", hostId: credential.hostId });
  return agent;
}

function metrics(seq: number, ts: number): MetricsFrame {
  return {
    type: "metrics",
    seq,
    samples: [
      {
        ts,
        target: { kind: "host" },
        cpuCores: 1.5,
        cpuRatio: 0.25,
        memUsedBytes: 4e9,
        memTotalBytes: 16e9,
        netRxBps: 10,
        netTxBps: 20,
        diskReadBps: 30,
        diskWriteBps: 40,
        load1: 0.5,
      },
      {
        ts,
        target: { kind: "container", id: "c1" },
        cpuCores: 0.5,
        memUsedBytes: 1e8,
        netRxBps: 1,
        netTxBps: 2,
        diskReadBps: 3,
        diskWriteBps: 4,
      },
    ],
  };
}

describe("enrolment", () => {
  it("accepts a token once: the second use is refused with 410", async () => {
    const token = await newToken();
    const first = await enroll(t.url, { token, host: hostInfo(randomUUID()), agentVersion: "1.0.0" });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ agentId: expect.any(String), hostId: expect.any(String) });
    expect((first.json as EnrollResponse).secret.length).toBeGreaterThanOrEqual(32);

    const second = await enroll(t.url, { token, host: hostInfo(randomUUID()), agentVersion: "1.0.0" });
    expect(second.status).toBe(410);
    expect(JSON.stringify(second.json)).toMatch(/already used/);
  });

  it("refuses an expired token with 410 and an unknown one with 401", async () => {
    const expired = await newToken(1);
    await new Promise((r) => setTimeout(r, 20));
    const late = await enroll(t.url, { token: expired, host: hostInfo(randomUUID()), agentVersion: "1.0.0" });
    expect(late.status).toBe(410);
    expect(JSON.stringify(late.json)).toMatch(/expired/);
    // A refused enrolment leaves the token unclaimed rather than half-used.
    const row = await t.prisma.enrollmentToken.findFirst({
      where: { usedAt: { not: null }, expiresAt: { lt: new Date() } },
    });
    expect(row).toBeNull();

    const unknown = await enroll(t.url, { token: "x".repeat(43), host: hostInfo(randomUUID()), agentVersion: "1.0.0" });
    expect(unknown.status).toBe(401);
  });

  it("lets exactly one of two racing enrolments claim a token", async () => {
    const token = await newToken();
    const results = await Promise.all(
      [1, 2, 3].map(() => enroll(t.url, { token, host: hostInfo(randomUUID()), agentVersion: "1.0.0" })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 410, 410]);
  });

  it("records the host's identity, and marks a sim-only host as simulated", async () => {
    const res = await enroll(t.url, {
      token: await newToken(),
      host: hostInfo(randomUUID(), { hostname: "sim-007", drivers: ["sim"] }),
      agentVersion: "1.0.0",
    });
    const host = await t.prisma.host.findUniqueOrThrow({ where: { id: (res.json as EnrollResponse).hostId } });
    expect(host).toMatchObject({
      name: "sim-007",
      simulated: true,
      cpuCores: 8,
      teamId: t.owner.teamId,
      status: "offline",
    });
  });

  it("rejects a malformed request with 400", async () => {
    const res = await fetch(`${t.url}/api/agent/enroll`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: await newToken(), host: { machineId: "m" } }),
    });
    expect(res.status).toBe(400);
  });

  it("keeps the host id when the same machine enrols again, and revokes the old secret", async () => {
    const machineId = randomUUID();
    const first = await enrolledAgent(machineId);
    const again = await enrolledAgent(machineId);
    expect(again.hostId).toBe(first.hostId);
    expect(again.agentId).not.toBe(first.agentId);
    await expect(connectAgent(t.url, first)).rejects.toThrow(/401/);
    (await greeted(again)).ws.close();
  });
});

describe("agent WebSocket", () => {
  it("refuses an unknown or wrong credential on the upgrade with 401", async () => {
    const real = await enrolledAgent();
    await expect(connectAgent(t.url, { ...real, secret: "A".repeat(43) })).rejects.toThrow(/401/);
    await expect(connectAgent(t.url, { ...real, agentId: randomUUID() })).rejects.toThrow(/401/);
  });

  it("welcomes a hello with lastSeq 0 and marks the host online", async () => {
    const credential = await enrolledAgent();
    const agent = await connectAgent(t.url, credential);
    agent.hello();
    expect(await agent.next("welcome")).toMatchObject({ protocol: 1, lastSeq: 0, hostId: credential.hostId });
    const host = await t.prisma.host.findUniqueOrThrow({ where: { id: credential.hostId } });
    expect(host.status).toBe("online");
    expect(host.agentVersion).toBe("0.0.0-test");
    agent.ws.close();
  });

  it("refuses an unsupported protocol version with an error frame and close 4002", async () => {
    const agent = await connectAgent(t.url, await enrolledAgent());
    agent.hello({ protocol: 99 });
    expect(await agent.next("error")).toMatchObject({ code: "protocol_version" });
    expect((await agent.closed).code).toBe(CloseCode.protocolVersion);
  });

  it("closes with 4003 when a frame comes before hello", async () => {
    const agent = await connectAgent(t.url, await enrolledAgent());
    agent.send({ type: "ping", nonce: "n" });
    expect(await agent.next("error")).toMatchObject({ code: "unexpected_frame" });
    expect((await agent.closed).code).toBe(CloseCode.handshake);
  });

  it("answers invalid frames with an error frame and stays up", async () => {
    const agent = await greeted(await enrolledAgent());
    agent.send("this is not json");
    expect(await agent.next("error")).toMatchObject({ code: "invalid_frame" });
    agent.send({ type: "metrics", seq: -1, samples: [] } as never);
    expect(await agent.next("error")).toMatchObject({ code: "invalid_frame", ref: "metrics" });
    agent.send(JSON.stringify({ type: "no-such-frame" }));
    expect(await agent.next("error")).toMatchObject({ code: "invalid_frame" });
    agent.ws.send(Buffer.from([0, 1, 2]), { binary: true });
    expect(await agent.next("error")).toMatchObject({ code: "invalid_frame" });

    // The same connection still works, and so does the server.
    agent.send({ type: "ping", nonce: "still-there" });
    expect(await agent.next("pong")).toEqual({ type: "pong", nonce: "still-there" });
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    agent.ws.close();
  });

  it("answers WebSocket-level pings (the agent's keepalive) with the same payload", async () => {
    const agent = await greeted(await enrolledAgent());
    const pong = new Promise<Buffer>((resolve) => agent.ws.once("pong", resolve));
    agent.ws.ping(Buffer.from("keepalive-1"));
    expect((await pong).toString()).toBe("keepalive-1");
    // The link stays usable after it.
    agent.send({ type: "ping", nonce: "after-ws-ping" });
    expect(await agent.next("pong")).toEqual({ type: "pong", nonce: "after-ws-ping" });
    agent.ws.close();
  });

  it("closes a frame over MAX_FRAME_BYTES (1009) and stays up", async () => {
    const agent = await greeted(await enrolledAgent());
    agent.send(`{"type":"ping","nonce":"${"x".repeat(4 * 1024 * 1024)}"}`);
    expect((await agent.closed).code).toBe(1009);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it("closes with 4005 after 20 invalid frames in a row", async () => {
    const agent = await greeted(await enrolledAgent());
    for (let i = 0; i < 20; i++) agent.send(`{"type":"metrics","seq":"x${i}"}`);
    expect((await agent.closed).code).toBe(CloseCode.tooManyErrors);
  });

  it("stores a batch once and acks a repeated seq as a duplicate", async () => {
    const credential = await enrolledAgent();
    const agent = await greeted(credential);
    const ts = Date.now() - 1_000;
    agent.send(metrics(1, ts));
    expect(await agent.next("ack")).toEqual({ type: "ack", seq: 1, duplicate: false });
    agent.send(metrics(1, ts));
    expect(await agent.next("ack")).toEqual({ type: "ack", seq: 1, duplicate: true });
    agent.send(metrics(2, ts + 1_000));
    expect(await agent.next("ack")).toEqual({ type: "ack", seq: 2, duplicate: false });

    const { rows } = await t.db.pool.query<{ seq: string; n: string }>(
      "SELECT seq::text, count(*)::text AS n FROM samples WHERE host_id = $1 GROUP BY seq ORDER BY seq",
      [credential.hostId],
    );
    expect(rows).toEqual([
      { seq: "1", n: "2" },
      { seq: "2", n: "2" },
    ]);
    agent.ws.close();
    await agent.closed;

    // After a reconnect the agent learns what was committed.
    const again = await connectAgent(t.url, credential);
    again.hello({ bootId: "boot-2" });
    expect(await again.next("welcome")).toMatchObject({ lastSeq: 2 });
    again.ws.close();
  });

  it("acks batches sent back to back in frame order, a resend among them as a duplicate", async () => {
    const credential = await enrolledAgent();
    const agent = await greeted(credential);
    const ts = Date.now() - 1_000;
    for (const seq of [1, 2, 3, 2, 4, 5]) agent.send(metrics(seq, ts + seq));
    const acks = [];
    for (let i = 0; i < 6; i++) acks.push(await agent.next("ack"));
    expect(acks.map((a) => [a.type === "ack" && a.seq, a.type === "ack" && a.duplicate])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [2, true],
      [4, false],
      [5, false],
    ]);
    const { rows } = await t.db.pool.query<{ seq: string }>(
      "SELECT DISTINCT seq::text FROM samples WHERE host_id = $1 ORDER BY 1",
      [credential.hostId],
    );
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5]);
    agent.ws.close();
    await agent.closed;
  });

  it("refuses a batch the table cannot hold by its seq, and stores the batches around it", async () => {
    const credential = await enrolledAgent();
    const agent = await greeted(credential);
    const ts = Date.now() - 1_000;
    const unstorable = metrics(2, ts + 2);
    // Valid for the protocol, but out of range for PostgreSQL's REAL column.
    (unstorable.samples[0] as { cpuCores: number }).cpuCores = 1e300;
    agent.send(metrics(1, ts + 1));
    agent.send(unstorable);
    agent.send(metrics(3, ts + 3));
    expect(await agent.next("error")).toMatchObject({ code: "invalid_frame", ref: "2" });
    expect(await agent.next("ack")).toMatchObject({ seq: 1, duplicate: false });
    expect(await agent.next("ack")).toMatchObject({ seq: 3, duplicate: false });
    const { rows } = await t.db.pool.query<{ seq: string }>(
      "SELECT DISTINCT seq::text FROM samples WHERE host_id = $1 ORDER BY 1",
      [credential.hostId],
    );
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 3]);
    agent.ws.close();
    await agent.closed;
  });

  it("records inventory: workloads, removals and state changes", async () => {
    const credential = await enrolledAgent();
    const agent = await greeted(credential);
    const workload = (id: string, state: "running" | "exited") => ({
      id,
      name: `w-${id}`,
      kind: "container" as const,
      driver: "docker" as const,
      state,
      image: "nginx:1",
    });
    agent.send({
      type: "inventory",
      full: true,
      host: hostInfo("ignored", { hostname: "renamed", cpuCores: 12 }),
      workloads: [workload("a", "running"), workload("b", "running")],
    });
    agent.send({ type: "inventory", full: false, workloads: [workload("a", "exited")], removed: ["b"] });
    agent.send({ type: "ping", nonce: "sync" });
    await agent.next("pong");
    // Frames are handled in order; wait for the queue by sending one more that needs it.
    agent.send(metrics(1, Date.now()));
    await agent.next("ack");

    const host = await t.prisma.host.findUniqueOrThrow({
      where: { id: credential.hostId },
      include: { workloads: true },
    });
    expect(host.name).toBe("renamed");
    expect(host.cpuCores).toBe(12);
    const byId = Object.fromEntries(host.workloads.map((w) => [w.externalId, w]));
    expect(byId.a?.state).toBe("exited");
    expect(byId.a?.removedAt).toBeNull();
    expect(byId.b?.removedAt).not.toBeNull();
    const changes = await t.prisma.workloadStateChange.findMany({
      where: { workloadId: byId.a?.id },
      orderBy: { id: "asc" },
    });
    expect(changes.map((c) => [c.fromState, c.toState])).toEqual([
      [null, "running"],
      ["running", "exited"],
    ]);
    agent.ws.close();
  });

  it("records an event once even when it is resent", async () => {
    const credential = await enrolledAgent();
    const agent = await greeted(credential);
    const event = {
      type: "event" as const,
      id: randomUUID(),
      ts: Date.now(),
      kind: "workload.exited" as const,
      message: "bye",
    };
    agent.send(event);
    agent.send(event);
    agent.send(metrics(1, Date.now()));
    await agent.next("ack");
    expect(await t.prisma.hostEvent.count({ where: { hostId: credential.hostId } })).toBe(1);
    agent.ws.close();
  });

  it("replaces an agent's older connection with a newer one (4004)", async () => {
    const credential = await enrolledAgent();
    const first = await greeted(credential);
    const second = await greeted(credential);
    expect((await first.closed).code).toBe(CloseCode.replaced);
    second.send({ type: "ping", nonce: "n" });
    expect(await second.next("pong")).toMatchObject({ nonce: "n" });
    second.ws.close();
  });

  it("marks a silent host offline and brings it back online when it reports", async () => {
    const credential = await enrolledAgent();
    const agent = await greeted(credential);
    // Pretend the host has been silent for a long time, then let the sweeper look.
    await t.prisma.host.update({
      where: { id: credential.hostId },
      data: { lastSeenAt: new Date(Date.now() - 3_600_000) },
    });
    await expect
      .poll(async () => (await t.prisma.host.findUniqueOrThrow({ where: { id: credential.hostId } })).status, {
        timeout: 10_000,
      })
      .toBe("offline");
    agent.send(metrics(1, Date.now()));
    await agent.next("ack");
    await expect
      .poll(async () => (await t.prisma.host.findUniqueOrThrow({ where: { id: credential.hostId } })).status, {
        timeout: 5_000,
      })
      .toBe("online");
    agent.ws.close();
  });
});

describe("shutdown", () => {
  it("closes agent connections with 1001 and stops cleanly", async () => {
    const config = parseConfig({ DATABASE_URL: t.db.url, PORT: "0", HOST: "127.0.0.1", FLOTILLA_UI: "off" });
    const second = createAppServer(config, { logger: silentLogger() });
    await second.start();
    const credential = await enrolledAgent();
    const agent = await connectAgent(second.url, credential);
    agent.hello();
    await agent.next("welcome");
    await second.stop();
    expect((await agent.closed).code).toBe(CloseCode.goingAway);
    await expect(fetch(`${second.url}/healthz`)).rejects.toThrow();
  });
});
