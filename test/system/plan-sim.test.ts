// Consolidation plans executed on simulated hosts: the sim driver migrates (VMs through the four
// live-migration commands, containers cold through inspect/stop/create/start/remove), so a
// plan's moves run through the same server flow as on real hosts, only faster and without
// QEMU. Sim hosts are fine here: what is under test is the plan executor — cancelling a plan
// mid-execution, and resuming a running plan after the server was killed and restarted.
// The real-QEMU consolidation is plan-execution.test.ts. Four sim hosts run in this process
// (a SimFleet, as `flotilla-agent sim` runs them), with churn off so nothing stops under a plan.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSilentLogger } from "../../apps/agent/src/logger.js";
import { SimFleet } from "../../apps/agent/src/sim-fleet.js";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import type { PlanView } from "../../apps/web/src/server/plans/plan-view.js";
import { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { newStateDir, type Proc, startServer } from "../support/processes.js";
import { waitFor } from "../support/wait-for.js";

const HOSTS = 4;
let db: SeededDatabase;
let server: Proc;
let port: number;
let owner: TrpcSession;
let fleet: SimFleet;
let hostIds: string[] = [];

async function signIn(): Promise<void> {
  owner = new TrpcSession(`http://127.0.0.1:${port}`);
  expect((await owner.mutate("auth.signIn", { email: db.email, password: db.password })).status).toBe(200);
}

beforeAll(async () => {
  db = await startSeededDatabase();
  port = await freePort();
  server = await startServer(db.url, port, { ui: false });
  await signIn();
  const stateDir = newStateDir();
  const tokens = [];
  for (let i = 0; i < HOSTS; i++) {
    const { token } = await createEnrollmentToken(db.prisma, {
      orgId: db.demo.orgId,
      teamId: db.demo.teamId,
      ttlMs: 60_000,
    });
    tokens.push(token);
  }
  const tokenFile = join(stateDir, "tokens.json");
  writeFileSync(tokenFile, JSON.stringify(tokens));
  fleet = new SimFleet({
    server: `http://127.0.0.1:${port}`,
    count: HOSTS,
    stateDir,
    tokenFile,
    intervalMs: 1000,
    spoolMaxBytes: 8 * 1024 * 1024,
    seed: 1,
    namePrefix: "plansim",
    logger: createSilentLogger(),
    driverOptions: { churnEveryMs: 0 },
  });
  expect(await fleet.start()).toBe(HOSTS);
  await waitFor(async () => {
    const online = await db.prisma.host.findMany({ where: { orgId: db.demo.orgId, status: "online" } });
    hostIds = online.map((h) => h.id);
    const workloads = await db.prisma.workload.count({ where: { hostId: { in: hostIds }, removedAt: null } });
    return online.length === HOSTS && workloads > 0;
  }, 60_000);
  // A few samples, so demand comes from measurements.
  await new Promise((r) => setTimeout(r, 3000));
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  await server?.stop();
  await db?.stop();
});

async function createApprovedPlan(): Promise<PlanView> {
  const created = await owner.mutate<PlanView>("plans.create", {
    scope: { hostIds },
    windowMinutes: 10,
    cpuPercentile: 95,
    memory: "allocated",
    policy: { cpuHeadroom: 0.8, memoryHeadroom: 0.9 },
    concurrency: 1,
    storage: "shared",
  });
  expect(created.error, JSON.stringify(created.error)).toBeUndefined();
  const plan = created.data as PlanView;
  // Enough moves that one can be caught running with others still waiting.
  expect(plan.moves, JSON.stringify(plan.output.figures)).toBeGreaterThanOrEqual(3);
  const approved = await owner.mutate<PlanView>("plans.approve", { id: plan.id });
  expect(approved.error, JSON.stringify(approved.error)).toBeUndefined();
  return plan;
}

async function waitForPlan(id: string, done: (p: PlanView) => boolean, timeoutMs: number): Promise<PlanView> {
  let latest: PlanView | undefined;
  await waitFor(
    async () => {
      latest = (await owner.query<PlanView>("plans.get", { id })).data;
      return latest !== undefined && done(latest);
    },
    timeoutMs,
    () => JSON.stringify(latest, null, 1) + server.output(),
  );
  return latest as PlanView;
}

const ENDED = ["succeeded", "failed", "cancelled"];

describe("plan execution on simulated hosts", () => {
  it("stops at a cancel: the running move ends, later ones never start, what ran stays recorded", async () => {
    const plan = await createApprovedPlan();
    const running = await waitForPlan(plan.id, (p) => p.execution.some((m) => m.state === "running"), 60_000);
    const caught = running.execution.find((m) => m.state === "running");
    expect(caught).toBeDefined();
    const cancelled = await owner.mutate<PlanView>("plans.cancel", { id: plan.id });
    expect(cancelled.error, JSON.stringify(cancelled.error)).toBeUndefined();

    const ended = await waitForPlan(plan.id, (p) => ENDED.includes(p.state), 90_000);
    expect(ended.state).toBe("cancelled");
    expect(ended.error).toMatch(/cancelled by user:/);
    const cancelAt = new Date(ended.cancelRequestedAt as string).getTime();

    // The move running at the cancel finished on its own (each migration is safe alone).
    const atCancel = ended.execution.find((m) => m.index === caught?.index);
    expect(atCancel?.state).toBe("succeeded");
    // Nothing started after the cancel; what had not started reads as cancelled, with no migration.
    for (const m of ended.execution) {
      if (m.startedAt) expect(new Date(m.startedAt).getTime()).toBeLessThanOrEqual(cancelAt);
      if (m.state === "succeeded") continue;
      expect(m).toMatchObject({ state: "cancelled", migrationId: null, startedAt: null });
    }
    const notRun = ended.execution.filter((m) => m.state === "cancelled");
    expect(notRun.length).toBeGreaterThan(0);
    for (const m of notRun) {
      expect(
        await db.prisma.migration.count({
          where: { workloadId: m.workload, apiCalledAt: { gte: new Date(plan.createdAt) } },
        }),
      ).toBe(0);
      expect((await db.prisma.workload.findUniqueOrThrow({ where: { id: m.workload } })).hostId).toBe(m.from);
    }
    // What ran is recorded: its migration succeeded and the workload lives on the target.
    for (const m of ended.execution.filter((x) => x.state === "succeeded")) {
      const migration = await db.prisma.migration.findUniqueOrThrow({ where: { id: m.migrationId as string } });
      expect(migration).toMatchObject({ state: "succeeded", workloadId: m.workload, targetHostId: m.to });
      expect((await db.prisma.workload.findUniqueOrThrow({ where: { id: m.workload } })).hostId).toBe(m.to);
    }
  }, 180_000);

  it("resumes a running plan after the server is killed and restarted, each move run once", async () => {
    const plan = await createApprovedPlan();
    const mid = await waitForPlan(
      plan.id,
      (p) => p.execution.some((m) => m.state === "succeeded") && p.execution.some((m) => m.state === "pending"),
      90_000,
    );
    expect(mid.state).toBe("running");
    // A crash, not a shutdown: the claim is not released, so the new server waits it out.
    await server.stop("SIGKILL");
    server = await startServer(db.url, port, { ui: false });
    await signIn();

    const ended = await waitForPlan(plan.id, (p) => ENDED.includes(p.state), 240_000);
    expect(ended, JSON.stringify(ended.execution, null, 1)).toMatchObject({
      state: "succeeded",
      error: null,
      progress: 1,
    });
    const startedAt = new Date(ended.startedAt as string);
    for (const m of ended.execution) expect(m).toMatchObject({ state: "succeeded", migrationId: expect.any(String) });
    // Both kinds travelled: VMs live, containers cold.
    const kindOf = new Map(ended.input.workloads.map((w) => [w.id, w.kind]));
    const moved = new Set(ended.execution.map((m) => kindOf.get(m.workload)));
    expect([...moved].sort()).toEqual(["container", "vm"]);
    for (const m of ended.execution) {
      const migration = await db.prisma.migration.findUniqueOrThrow({ where: { id: m.migrationId as string } });
      expect(migration.kind).toBe(kindOf.get(m.workload) === "vm" ? "live" : "cold");
    }
    // Exactly one migration per move: the resumed run adopted or started, never repeated.
    for (const workload of new Set(ended.execution.map((m) => m.workload))) {
      const migrations = await db.prisma.migration.findMany({
        where: { workloadId: workload, apiCalledAt: { gte: startedAt } },
        orderBy: { apiCalledAt: "asc" },
      });
      const moves = ended.execution.filter((m) => m.workload === workload);
      expect(migrations.map((x) => [x.id, x.state])).toEqual(moves.map((m) => [m.migrationId, "succeeded"]));
    }
    for (const [workload, host] of Object.entries(ended.output.placement)) {
      const row = await db.prisma.workload.findUniqueOrThrow({ where: { id: workload } });
      expect(row.hostId).toBe(host);
      expect(row.removedAt).toBeNull();
    }
    // The hosts' own inventories agree once the agents reconnected: the emptied ones hold nothing running.
    const used = new Set(Object.values(ended.output.placement));
    const emptied = hostIds.filter((h) => !used.has(h) && ended.input.workloads.some((w) => w.host === h));
    expect(emptied.length).toBeGreaterThan(0);
    for (const h of emptied) {
      await waitFor(
        async () => (await db.prisma.workload.count({ where: { hostId: h, removedAt: null, state: "running" } })) === 0,
        30_000,
      );
    }
  }, 360_000);
});
