// Consolidation plans against a real PostgreSQL and the real app server: the planner input built
// from stored inventory and samples, plans.* over HTTP (roles, organisation isolation, planner
// errors), and the executor's safe stops (capacity re-check, a refused migration). Execution on
// real QEMU guests is test/system/plan-execution.test.ts.
import { randomUUID } from "node:crypto";
import { hashPassword, storeMetricBatch } from "@flotilla/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedOrg, startTestServer, type TestServer } from "../testing/test-server.js";
import { TrpcSession } from "../testing/trpc-client.js";
import { buildPlanInput } from "./plan-input.js";
import type { PlanView } from "./plan-view.js";

let t: TestServer;
let owner: TrpcSession;
const GiB = 2n ** 30n;
const NOW = Date.now();
let seq = 1;

async function signedIn(email: string, password: string): Promise<TrpcSession> {
  const session = new TrpcSession(t.url);
  const res = await session.mutate("auth.signIn", { email, password });
  expect(res.status, JSON.stringify(res.error)).toBe(200);
  return session;
}

async function team(orgId: string) {
  return t.prisma.team.create({ data: { orgId, name: `team-${randomUUID()}` } });
}

async function host(orgId: string, teamId: string, name: string, extra: Record<string, unknown> = {}) {
  const row = await t.prisma.host.create({
    data: {
      orgId,
      teamId,
      machineId: randomUUID(),
      name,
      status: "online",
      cpuCores: 8,
      memoryBytes: 8n * GiB,
      drivers: ["proc", "qemu"],
      // No agent reports for these hosts: seen now, on an hourly interval, so the liveness sweeper
      // leaves them online for the test (it marks hosts never seen offline at its next pass).
      lastSeenAt: new Date(),
      intervalMs: 3_600_000,
      ...extra,
    },
  });
  return row.id;
}

async function workload(hostId: string, name: string, extra: Record<string, unknown> = {}) {
  const row = await t.prisma.workload.create({
    data: {
      hostId,
      externalId: `ext-${randomUUID()}`,
      kind: "vm",
      driver: "qemu",
      name,
      state: "running",
      vcpus: 2,
      memoryBytes: 2n * GiB,
      ...extra,
    },
  });
  return row;
}

/** Stores samples of one workload: cpu values at one per minute, ending a minute ago. */
async function samples(hostId: string, externalId: string, cpu: number[], memUsedBytes: number, ageMinutes = 0) {
  await storeMetricBatch(t.db.pool, {
    agentId: `agent-${hostId}`,
    hostId,
    seq: seq++,
    samples: cpu.map((c, i) => ({
      ts: NOW - (ageMinutes + cpu.length - i) * 60_000,
      workloadId: externalId,
      kind: "vm" as const,
      cpuCores: c,
      memUsedBytes,
      netRxBps: 0,
      netTxBps: 0,
      diskReadBps: 0,
      diskWriteBps: 0,
    })),
  });
}

beforeAll(async () => {
  t = await startTestServer();
  owner = await signedIn(t.owner.email, t.owner.password);
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

const OPTIONS = {
  windowMinutes: 60,
  cpuPercentile: 95,
  memory: "used" as const,
  policy: { cpuHeadroom: 1, memoryHeadroom: 1 },
};

describe("buildPlanInput", () => {
  it("takes capacities from inventory and demand from the chosen percentile of samples", async () => {
    const { id: teamId } = await team(t.owner.orgId);
    const a = await host(t.owner.orgId, teamId, "a", {
      labels: { "flotilla.cpu": "4" },
      drivers: ["proc", "qemu", "sim"],
    });
    const b = await host(t.owner.orgId, teamId, "b", { status: "maintenance", drivers: ["qemu", "sim", "libvirt"] });
    await host(t.owner.orgId, teamId, "gone", { status: "offline" });
    const sampled = await workload(a, "sampled", { labels: { "flotilla.anti-affinity": "db" } });
    await workload(b, "quiet", { vcpus: 1.5, labels: { "flotilla.pinned": "true" } });
    await workload(b, "sim", { driver: "sim" });
    await workload(b, "libvirt", { driver: "libvirt" });
    await workload(b, "stopped", { state: "stopped" });
    // 0.01..1.00 cores, one a minute: the 60-minute window holds 0.41..1.00, whose p95
    // (continuous) is 0.9705; samples older than the window do not count.
    await samples(
      a,
      sampled.externalId,
      Array.from({ length: 100 }, (_, i) => 0.01 * (i + 1)),
      512 * 2 ** 20,
    );
    await samples(a, sampled.externalId, [7, 7, 7], 4 * 2 ** 30, 120);

    const ctx = { prisma: t.prisma, pool: t.db.pool, orgId: t.owner.orgId, now: NOW };
    const input = await buildPlanInput(ctx, { teamId }, OPTIONS);
    expect(input.hosts).toEqual([
      { id: a, name: "a", cpu: 4, memoryMb: 8192, maintenance: false, drivers: ["qemu", "sim"] },
      { id: b, name: "b", cpu: 8, memoryMb: 8192, maintenance: true, drivers: ["qemu", "sim", "libvirt"] },
    ]);
    const byName = Object.fromEntries(input.workloads.map((w) => [w.name, w]));
    expect(Object.keys(byName).sort()).toEqual(["libvirt", "quiet", "sampled", "sim"]);
    expect(byName.sampled?.cpu).toBeCloseTo(0.9705, 4);
    expect(byName.sampled).toMatchObject({ memoryMb: 512, antiAffinity: "db", pinned: false, host: a, kind: "vm" });
    // No samples: the allocation stands in.
    expect(byName.quiet).toMatchObject({ cpu: 1.5, memoryMb: 2048, pinned: true, antiAffinity: null });
    // A driver no migration path can move stays where it is; simulated hosts migrate (demo fleets).
    expect(byName.libvirt?.pinned).toBe(true);
    expect(byName.sim?.pinned).toBe(false);

    const allocated = await buildPlanInput(ctx, { teamId }, { ...OPTIONS, memory: "allocated", cpuPercentile: 50 });
    const sampledAllocated = allocated.workloads.find((w) => w.name === "sampled");
    expect(sampledAllocated?.memoryMb).toBe(2048);
    expect(sampledAllocated?.cpu).toBeCloseTo(0.705, 4);
  });
});

describe("host groups", () => {
  it("scopes a plan to a host group that operators set, in their organisation only", async () => {
    const { id: teamId } = await team(t.owner.orgId);
    const group = `rack ${randomUUID().slice(0, 8)}`;
    const g1 = await host(t.owner.orgId, teamId, "g1");
    const g2 = await host(t.owner.orgId, teamId, "g2");
    const outside = await host(t.owner.orgId, teamId, "outside");
    for (const [i, h] of [g1, g2, outside].entries()) await workload(h, `grouped-${i}`);

    const set = await owner.mutate<{ updated: number }>("plans.setHostGroup", { hostIds: [g1, g2], group });
    expect(set.data?.updated).toBe(2);
    const scopes = await owner.query<{ groups: Array<{ group: string; hosts: number; online: number }> }>(
      "plans.scopes",
    );
    expect(scopes.data?.groups).toContainEqual({ group, hosts: 2, online: 2 });

    const created = await owner.mutate<PlanView>("plans.create", { ...OPTIONS, scope: { group } });
    expect(created.error).toBeUndefined();
    const plan = created.data as PlanView;
    expect(plan.input.hosts.map((h) => h.name).sort()).toEqual(["g1", "g2"]);
    expect(plan.output.figures).toMatchObject({ hostsBefore: 2, hostsAfter: 1, migrations: 1 });

    const empty = await owner.mutate("plans.create", { ...OPTIONS, scope: { group: "no such group" } });
    expect(empty.error?.message).toBe("No online host with a known size in this scope (host group no such group).");
    const bad = await owner.mutate("plans.setHostGroup", { hostIds: [g1], group: "  " });
    expect(bad.error?.data.code).toBe("BAD_REQUEST");

    const other = await seedOrg(t.prisma, `groups-${randomUUID().slice(0, 6)}`);
    const stranger = await signedIn(other.email, other.password);
    expect((await stranger.mutate("plans.setHostGroup", { hostIds: [g1], group: "mine" })).error?.data.code).toBe(
      "NOT_FOUND",
    );
    expect((await stranger.query<{ groups: unknown[] }>("plans.scopes")).data?.groups).toEqual([]);
    const theirs = (await stranger.mutate<PlanView>("plans.create", { ...OPTIONS, scope: { group } })).error;
    expect(theirs?.data.code).toBe("BAD_REQUEST");

    const cleared = await owner.mutate("plans.setHostGroup", { hostIds: [g1, g2], group: null });
    expect(cleared.error).toBeUndefined();
    expect((await t.prisma.host.findUniqueOrThrow({ where: { id: g1 } })).group).toBeNull();
  });
});

describe("driver pools", () => {
  it("plans hosts that share no driver apart, and pins what no other host of its pool could run", async () => {
    const { id: teamId } = await team(t.owner.orgId);
    const q1 = await host(t.owner.orgId, teamId, "q1", { drivers: ["proc", "qemu", "docker"] });
    const q2 = await host(t.owner.orgId, teamId, "q2", { drivers: ["proc", "qemu"] });
    const s1 = await host(t.owner.orgId, teamId, "s1", { drivers: ["sim"] });
    const s2 = await host(t.owner.orgId, teamId, "s2", { drivers: ["sim"] });
    await workload(q1, "vm-q1");
    await workload(q1, "ctr-q1", { kind: "container", driver: "docker", vcpus: 1 });
    await workload(q2, "vm-q2");
    await workload(s1, "sim-s1", { driver: "sim" });
    await workload(s2, "sim-s2", { driver: "sim" });
    const created = await owner.mutate<PlanView>("plans.create", { ...OPTIONS, scope: { teamId } });
    expect(created.error).toBeUndefined();
    const plan = created.data as PlanView;
    const byName = Object.fromEntries(plan.input.workloads.map((w) => [w.name, w]));
    // q2 runs no container engine: the container stays.
    expect(byName["ctr-q1"]?.pinned).toBe(true);
    expect(byName["vm-q1"]?.pinned).toBe(false);
    // Two pools, each packed onto one host; no move crosses from qemu to sim hosts.
    expect(plan.output.figures).toMatchObject({ hostsBefore: 4, hostsAfter: 2, migrations: 2 });
    const qemuHosts = new Set([q1, q2]);
    for (const m of plan.execution) expect(qemuHosts.has(m.from)).toBe(qemuHosts.has(m.to));
    expect(plan.output.placement[byName["vm-q2"]?.id as string]).toBe(q1);
  });
});

describe("plans.*", () => {
  let teamId: string;
  let hosts: string[];

  beforeAll(async () => {
    teamId = (await team(t.owner.orgId)).id;
    // Three 8-core hosts, each a quarter full: the planner packs them onto one... or two with anti-affinity.
    hosts = [];
    for (const name of ["p1", "p2", "p3"]) hosts.push(await host(t.owner.orgId, teamId, name));
    for (const [i, h] of hosts.entries())
      await workload(h, `vm-${i}`, { labels: { "flotilla.anti-affinity": i < 2 ? "g" : "" } });
  });

  it("creates a plan, gates approval by role and keeps other organisations out", async () => {
    const created = await owner.mutate<PlanView>("plans.create", { ...OPTIONS, scope: { teamId } });
    expect(created.error).toBeUndefined();
    const plan = created.data as PlanView;
    expect(plan.state).toBe("draft");
    expect(plan.output.figures).toMatchObject({ hostsBefore: 3, hostsAfter: 2, migrations: 1 });
    expect(plan.execution).toEqual([expect.objectContaining({ state: "pending", migrationId: null, step: 1 })]);
    expect((await owner.query<PlanView[]>("plans.list")).data?.map((p) => p.id)).toContain(plan.id);

    const email = `op-${randomUUID()}@example.test`;
    const user = await t.prisma.user.create({
      data: { email, name: "Op", passwordHash: await hashPassword("op-pass") },
    });
    await t.prisma.orgMember.create({ data: { orgId: t.owner.orgId, userId: user.id, role: "operator" } });
    const operator = await signedIn(email, "op-pass");
    expect((await operator.mutate("plans.create", { ...OPTIONS, scope: { teamId } })).status).toBe(200);
    expect((await operator.mutate("plans.approve", { id: plan.id })).error?.data.code).toBe("FORBIDDEN");

    const other = await seedOrg(t.prisma, "other");
    const stranger = await signedIn(other.email, other.password);
    expect((await stranger.query("plans.get", { id: plan.id })).error?.data.code).toBe("NOT_FOUND");
    expect((await stranger.mutate("plans.approve", { id: plan.id })).error?.data.code).toBe("NOT_FOUND");
    expect((await stranger.mutate("plans.markStandby", { hostId: hosts[0] })).error?.data.code).toBe("NOT_FOUND");
    const foreignScope = await stranger.mutate("plans.create", { ...OPTIONS, scope: { hostIds: [hosts[0]] } });
    expect(foreignScope.error?.data.code).toBe("NOT_FOUND");

    const cancelled = await owner.mutate<PlanView>("plans.cancel", { id: plan.id });
    expect(cancelled.data?.state).toBe("cancelled");
    expect((await owner.mutate("plans.approve", { id: plan.id })).error?.data.code).toBe("CONFLICT");
  });

  it("answers an impossible input with BAD_REQUEST naming the cause", async () => {
    const res = await owner.mutate("plans.create", {
      ...OPTIONS,
      scope: { teamId },
      policy: { cpuHeadroom: 0.1, memoryHeadroom: 1 },
    });
    expect(res.error?.data.code).toBe("BAD_REQUEST");
    expect(res.error?.message).toMatch(
      /^No plan possible: workload vm-\S+ needs 2 cores but the largest usable host has 0.8/,
    );
  });

  it("stops before a step when a target no longer has room, recording why", async () => {
    const plan = (await owner.mutate<PlanView>("plans.create", { ...OPTIONS, scope: { teamId } })).data as PlanView;
    const target = plan.execution[0]?.to as string;
    // The fleet changed after review: the target filled up.
    const filler = await workload(target, "late-arrival", { vcpus: 6, kind: "container", driver: "docker" });
    expect((await owner.mutate<PlanView>("plans.approve", { id: plan.id })).data?.state).toBe("approved");
    const done = await ended(plan.id);
    expect(done.state).toBe("failed");
    expect(done.error).toMatch(/^stopped before step 1: host p\d would hold 10 of 8 cores during step 1$/);
    expect(done.execution[0]).toMatchObject({ state: "skipped", migrationId: null });
    await t.prisma.workload.update({ where: { id: filler.id }, data: { removedAt: new Date() } });
  });

  it("skips a move whose workload stopped since planning, and goes on", async () => {
    const plan = (await owner.mutate<PlanView>("plans.create", { ...OPTIONS, scope: { teamId } })).data as PlanView;
    const move = plan.execution[0];
    await t.prisma.workload.update({ where: { id: move?.workload }, data: { state: "stopped" } });
    await owner.mutate("plans.approve", { id: plan.id });
    const done = await ended(plan.id);
    expect(done).toMatchObject({ state: "succeeded", error: null });
    expect(done.execution[0]).toMatchObject({
      state: "skipped",
      migrationId: null,
      error: expect.stringMatching(/^not moved: vm-\d is stopped now \(it was running when planned\)$/),
    });
    await t.prisma.workload.update({ where: { id: move?.workload }, data: { state: "running" } });
  });

  it("stops on a refused migration, keeping the move's reason", async () => {
    const plan = (await owner.mutate<PlanView>("plans.create", { ...OPTIONS, scope: { teamId } })).data as PlanView;
    await owner.mutate("plans.approve", { id: plan.id });
    const done = await ended(plan.id);
    // These hosts have no migration address: the migrations domain refuses, and the plan says which move and why.
    expect(done.state).toBe("failed");
    expect(done.error).toMatch(/^move of vm-\d failed: p\d has no "migration-address" label; give listenHost\./);
    expect(done.execution[0]).toMatchObject({ state: "failed", error: expect.stringMatching(/migration-address/) });
  });

  it("marks only an empty host for standby", async () => {
    const refused = await owner.mutate("plans.markStandby", { hostId: hosts[0] });
    expect(refused.error?.data.code).toBe("CONFLICT");
    const empty = await host(t.owner.orgId, teamId, "empty");
    const marked = await owner.mutate<{ labels: Record<string, string> }>("plans.markStandby", { hostId: empty });
    expect(marked.data?.labels["flotilla.standby"]).toMatch(/^\d{4}-/);
    const input = await buildPlanInput(
      { prisma: t.prisma, pool: t.db.pool, orgId: t.owner.orgId },
      { teamId },
      OPTIONS,
    );
    expect(input.hosts.find((h) => h.id === empty)?.maintenance).toBe(true);
  });
});

async function ended(id: string): Promise<PlanView> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const plan = (await owner.query<PlanView>("plans.get", { id })).data as PlanView;
    if (["succeeded", "failed", "cancelled"].includes(plan.state)) return plan;
    if (Date.now() > deadline) throw new Error(`plan did not end: ${JSON.stringify(plan)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
