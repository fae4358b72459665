// fleet.workload, fleet.workloadMetrics, fleet.workloadHistory and fleet.hostEvents over real
// HTTP against a real PostgreSQL: what a workload page and a host's Events tab read, and that
// another organisation's objects answer exactly like missing ones.
import { randomUUID } from "node:crypto";
import { storeMetricBatch } from "@flotilla/db";
import type { Workload as ReportedWorkload } from "@flotilla/protocol";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedOrg, startTestServer, type TestServer } from "../testing/test-server.js";
import { TrpcSession } from "../testing/trpc-client.js";
import { applyInventory } from "./inventory.js";

let t: TestServer;
let owner: TrpcSession;
let other: TrpcSession;
let hostA: string;
let hostB: string;
/** Row ids by external id, on host A. */
const ids: Record<string, string> = {};

const T0 = Date.now() - 10 * 60_000;
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

async function signedIn(email: string, password: string): Promise<TrpcSession> {
  const session = new TrpcSession(t.url);
  const res = await session.mutate("auth.signIn", { email, password });
  expect(res.status, JSON.stringify(res.error)).toBe(200);
  return session;
}

async function createHost(orgId: string, teamId: string, name: string): Promise<string> {
  const host = await t.prisma.host.create({
    data: { orgId, teamId, machineId: randomUUID(), name, status: "online", cpuCores: 8, memoryBytes: 16n * 2n ** 30n },
  });
  return host.id;
}

const web: ReportedWorkload = {
  id: "c-web",
  name: "web",
  kind: "container",
  driver: "docker",
  state: "running",
  image: "nginx:1.27",
  vcpus: 0.5,
  memoryBytes: 256 * 2 ** 20,
  ports: [{ hostIp: "0.0.0.0", hostPort: 8080, containerPort: 80, protocol: "tcp" }],
  labels: { app: "web", tier: "front" },
  createdAt: T0 - 60_000,
  startedAt: T0,
};
const db: ReportedWorkload = {
  id: "vm-db",
  name: "db",
  kind: "vm",
  driver: "qemu",
  state: "running",
  vcpus: 2,
  memoryBytes: 2 * 2 ** 30,
  ports: [],
  labels: {},
};

function sample(ts: number, workloadId: string | null, cpuCores: number) {
  return {
    ts,
    workloadId,
    kind:
      workloadId === null ? ("host" as const) : workloadId.startsWith("vm") ? ("vm" as const) : ("container" as const),
    cpuCores,
    memUsedBytes: 100 * 2 ** 20,
    netRxBps: 10,
    netTxBps: 20,
    diskReadBps: 30,
    diskWriteBps: 40,
  };
}

beforeAll(async () => {
  t = await startTestServer();
  owner = await signedIn(t.owner.email, t.owner.password);
  const b = await seedOrg(t.prisma, "other");
  other = await signedIn(b.email, b.password);

  hostA = await createHost(t.owner.orgId, t.owner.teamId, "alpha");
  hostB = await createHost(t.owner.orgId, t.owner.teamId, "beta");

  // web starts, exits, starts again; db runs, then goes away.
  await applyInventory(t.prisma, hostA, { type: "inventory", full: true, workloads: [web, db], removed: [] }, at(0));
  await applyInventory(
    t.prisma,
    hostA,
    { type: "inventory", full: false, workloads: [{ ...web, state: "exited" }], removed: [] },
    at(2),
  );
  await applyInventory(
    t.prisma,
    hostA,
    { type: "inventory", full: false, workloads: [web], removed: ["vm-db"] },
    at(4),
  );
  // Host B runs a container with the same driver id: nothing of it may leak into host A's pages.
  await applyInventory(t.prisma, hostB, { type: "inventory", full: true, workloads: [web], removed: [] }, at(0));
  for (const w of await t.prisma.workload.findMany({ where: { hostId: hostA } })) ids[w.externalId] = w.id;

  await t.prisma.hostEvent.createMany({
    data: [
      {
        id: `${hostA}:e1`,
        hostId: hostA,
        workloadId: "c-web",
        kind: "workload.exited",
        message: "web exited (137)",
        at: at(2),
      },
      {
        id: `${hostA}:e2`,
        hostId: hostA,
        workloadId: "c-web",
        kind: "workload.started",
        message: "web running",
        at: at(4),
      },
      {
        id: `${hostA}:e3`,
        hostId: hostA,
        workloadId: "vm-db",
        kind: "workload.removed",
        message: "db removed",
        at: at(4),
      },
      { id: `${hostA}:e4`, hostId: hostA, workloadId: null, kind: "host.driver", message: "docker found", at: at(1) },
      { id: `${hostB}:e1`, hostId: hostB, workloadId: "c-web", kind: "workload.exited", message: "B's web", at: at(5) },
    ],
  });

  // A pool of our own, closed while PostgreSQL still runs: the shared one's idle clients would
  // see the server terminate them at shutdown.
  const pool = new pg.Pool({ connectionString: t.db.url, max: 1 });
  const now = Date.now();
  await storeMetricBatch(pool, {
    agentId: "agent-a",
    hostId: hostA,
    seq: 1,
    samples: [sample(now - 60_000, null, 3), sample(now - 60_000, "c-web", 0.25), sample(now - 60_000, "vm-db", 1.5)],
  });
  await storeMetricBatch(pool, {
    agentId: "agent-a",
    hostId: hostA,
    seq: 2,
    samples: [sample(now - 30_000, "c-web", 0.75)],
  });
  await storeMetricBatch(pool, {
    agentId: "agent-b",
    hostId: hostB,
    seq: 1,
    samples: [sample(now - 30_000, "c-web", 7)],
  });
  await pool.end();
});

afterAll(async () => {
  await t?.stop();
});

describe("fleet.workload", () => {
  it("describes a workload: where it runs, what it was given, its newest usage", async () => {
    const res = await owner.query<Record<string, unknown>>("fleet.workload", { id: ids["c-web"] });
    expect(res.error).toBeUndefined();
    expect(res.data).toEqual({
      id: ids["c-web"],
      externalId: "c-web",
      kind: "container",
      driver: "docker",
      name: "web",
      state: "running",
      image: "nginx:1.27",
      vcpus: 0.5,
      memoryBytes: 256 * 2 ** 20,
      ports: [{ hostIp: "0.0.0.0", hostPort: 8080, containerPort: 80, protocol: "tcp" }],
      labels: { app: "web", tier: "front" },
      createdAt: new Date(T0 - 60_000).toISOString(),
      startedAt: new Date(T0).toISOString(),
      updatedAt: expect.any(String),
      removedAt: null,
      host: { id: hostA, name: "alpha", status: "online", cpuCores: 8, intervalMs: 5000 },
      teamId: t.owner.teamId,
      lease: null,
      now: expect.objectContaining({ cpuCores: 0.75, netRxBps: 10, diskWriteBps: 40 }),
    });
  });

  it("still describes a removed workload, with when it went and no live figures", async () => {
    const res = await owner.query<Record<string, unknown>>("fleet.workload", { id: ids["vm-db"] });
    expect(res.data).toMatchObject({ name: "db", kind: "vm", removedAt: at(4).toISOString(), now: null });
  });

  it("shows who holds a leased workload, naming a user label by e-mail; an expired lease is none", async () => {
    const since = at(5);
    const workloadId = ids["c-web"] as string;
    await t.prisma.workloadLease.create({
      data: {
        workloadId,
        orgId: t.owner.orgId,
        holder: "plan:p1",
        acquiredBy: `user:${t.owner.userId}`,
        since,
        expiresAt: new Date(Date.now() + 60_000),
      },
    });
    try {
      const res = await owner.query<Record<string, unknown>>("fleet.workload", { id: ids["c-web"] });
      expect(res.data?.lease).toEqual({ holder: "plan:p1", acquiredBy: t.owner.email, since: since.toISOString() });
      await t.prisma.workloadLease.update({
        where: { workloadId },
        data: { expiresAt: new Date(Date.now() - 1000) },
      });
      const expired = await owner.query<Record<string, unknown>>("fleet.workload", { id: ids["c-web"] });
      expect(expired.data?.lease).toBeNull();
    } finally {
      await t.prisma.workloadLease.delete({ where: { workloadId } });
    }
  });
});

describe("fleet.workloadMetrics", () => {
  it("returns this workload's series as columns, not its host's nor a namesake's on another host", async () => {
    const res = await owner.query<Record<string, Array<number | null>>>("fleet.workloadMetrics", {
      id: ids["c-web"],
      range: "1h",
    });
    expect(res.data?.ts).toHaveLength(2);
    expect(res.data?.cpuCores).toEqual([0.25, 0.75]);
    expect(res.data?.netTxBps).toEqual([20, 20]);
    expect(res.data?.cpuRatio).toEqual([null, null]);
  });

  it("averages into wider buckets for longer ranges", async () => {
    const res = await owner.query<Record<string, Array<number | null>>>("fleet.workloadMetrics", {
      id: ids["c-web"],
      range: "7d",
    });
    // The two samples are 30 s apart: one 10-minute bucket, or two when they straddle an edge.
    const expected = res.data?.ts?.length === 1 ? [0.5] : [0.25, 0.75];
    expect(res.data?.cpuCores).toEqual(expected);
  });

  it("refuses a range it does not know", async () => {
    const res = await owner.query("fleet.workloadMetrics", { id: ids["c-web"], range: "5y" });
    expect(res.error?.data.code).toBe("BAD_REQUEST");
  });
});

describe("fleet.workloadHistory", () => {
  it("merges state changes and the agent's events about it, newest first", async () => {
    const res = await owner.query<Array<Record<string, unknown>>>("fleet.workloadHistory", {
      id: ids["c-web"],
      limit: 50,
    });
    expect(
      res.data?.map((i) => [i.type, i.at, i.type === "state" ? `${i.fromState}->${i.toState}` : i.message]),
    ).toEqual([
      ["state", at(4).toISOString(), "exited->running"],
      ["event", at(4).toISOString(), "web running"],
      ["state", at(2).toISOString(), "running->exited"],
      ["event", at(2).toISOString(), "web exited (137)"],
      ["state", at(0).toISOString(), "null->running"],
    ]);
    expect(new Set(res.data?.map((i) => i.id)).size).toBe(5);
  });

  it("keeps a removed workload's history, ending in its removal", async () => {
    const res = await owner.query<Array<Record<string, unknown>>>("fleet.workloadHistory", {
      id: ids["vm-db"],
      limit: 50,
    });
    expect(res.data?.[0]).toMatchObject({ type: "state", fromState: "running", toState: "removed" });
    expect(res.data?.map((i) => i.message).filter(Boolean)).toEqual(["db removed"]);
  });

  it("returns at most `limit` entries, the newest", async () => {
    const res = await owner.query<Array<Record<string, unknown>>>("fleet.workloadHistory", {
      id: ids["c-web"],
      limit: 2,
    });
    expect(res.data?.map((i) => i.at)).toEqual([at(4).toISOString(), at(4).toISOString()]);
  });
});

describe("fleet.hostEvents", () => {
  it("lists a host's events newest first, linking the workloads it knows (removed ones too)", async () => {
    const res = await owner.query<{ events: Array<Record<string, unknown>>; nextBefore: string | null }>(
      "fleet.hostEvents",
      { hostId: hostA, limit: 50 },
    );
    expect(res.data?.nextBefore).toBeNull();
    expect(res.data?.events.map((e) => e.message)).toEqual([
      "db removed",
      "web running",
      "web exited (137)",
      "docker found",
    ]);
    expect(res.data?.events[0]).toMatchObject({
      kind: "workload.removed",
      workloadExternalId: "vm-db",
      workload: { id: ids["vm-db"], name: "db", kind: "vm" },
    });
    expect(res.data?.events[3]).toMatchObject({ workloadExternalId: null, workload: null });
  });

  it("pages with `before` without losing events that share a timestamp", async () => {
    const seen: string[] = [];
    let before: string | undefined;
    for (let page = 0; page < 5; page++) {
      const res = await owner.query<{ events: Array<{ message: string }>; nextBefore: string | null }>(
        "fleet.hostEvents",
        { hostId: hostA, limit: 1, ...(before ? { before } : {}) },
      );
      seen.push(...(res.data?.events.map((e) => e.message) ?? []));
      if (!res.data?.nextBefore) break;
      before = res.data.nextBefore;
    }
    expect(seen).toEqual(["db removed", "web running", "web exited (137)", "docker found"]);
  });

  it("refuses a cursor that is not one of this host's events", async () => {
    const res = await owner.query("fleet.hostEvents", { hostId: hostA, limit: 10, before: `${hostB}:e1` });
    expect(res.error?.data.code).toBe("BAD_REQUEST");
  });
});

describe("organisation isolation", () => {
  it("answers another organisation's workload exactly like a missing one, on every procedure", async () => {
    const calls: Array<[string, (id: string) => Record<string, unknown>]> = [
      ["fleet.workload", (id) => ({ id })],
      ["fleet.workloadMetrics", (id) => ({ id, range: "1h" })],
      ["fleet.workloadHistory", (id) => ({ id, limit: 10 })],
    ];
    for (const [path, input] of calls) {
      const foreign = await other.query(path, input(ids["c-web"] ?? ""));
      const missing = await other.query(path, input(randomUUID()));
      expect(foreign.error?.data.code, path).toBe("NOT_FOUND");
      expect(foreign.status, path).toBe(missing.status);
      expect(foreign.error?.message, path).toBe(missing.error?.message);
    }
  });

  it("answers another organisation's host events exactly like a missing host's", async () => {
    const foreign = await other.query("fleet.hostEvents", { hostId: hostA, limit: 10 });
    const missing = await other.query("fleet.hostEvents", { hostId: randomUUID(), limit: 10 });
    expect(foreign.error?.data.code).toBe("NOT_FOUND");
    expect(foreign.error?.message).toBe(missing.error?.message);
  });

  it("asks who you are first", async () => {
    const anonymous = new TrpcSession(t.url);
    expect((await anonymous.query("fleet.workload", { id: ids["c-web"] })).error?.data.code).toBe("UNAUTHORIZED");
    expect((await anonymous.query("fleet.hostEvents", { hostId: hostA })).error?.data.code).toBe("UNAUTHORIZED");
  });
});
