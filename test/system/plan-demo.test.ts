// The demo's consolidation end to end: the fleet `npm start` runs (20 simulated hosts, seed 1,
// named sim-001..sim-020, in one process) is planned with the Consolidate form's defaults and the
// plan executed to the end. Before sim hosts could migrate, this answered "No plan possible:
// pinned workloads on sim-013 need 17.68 cores but its usable capacity is 12.8".
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

const HOSTS = 20;
let db: SeededDatabase;
let server: Proc;
let owner: TrpcSession;
let fleet: SimFleet;

beforeAll(async () => {
  db = await startSeededDatabase();
  const port = await freePort();
  server = await startServer(db.url, port, { ui: false });
  owner = new TrpcSession(`http://127.0.0.1:${port}`);
  expect((await owner.mutate("auth.signIn", { email: db.email, password: db.password })).status).toBe(200);
  const stateDir = newStateDir();
  const tokens: string[] = [];
  for (let i = 0; i < HOSTS; i++) {
    const t = await createEnrollmentToken(db.prisma, { orgId: db.demo.orgId, teamId: db.demo.teamId, ttlMs: 120_000 });
    tokens.push(t.token);
  }
  const tokenFile = join(stateDir, "tokens.json");
  writeFileSync(tokenFile, JSON.stringify(tokens));
  // As infra/local/start.ts runs it (seed and name prefix are the CLI's defaults), churn included.
  fleet = new SimFleet({
    server: `http://127.0.0.1:${port}`,
    count: HOSTS,
    stateDir,
    tokenFile,
    intervalMs: 2000,
    spoolMaxBytes: 8 * 1024 * 1024,
    seed: 1,
    namePrefix: "sim",
    logger: createSilentLogger(),
  });
  expect(await fleet.start()).toBe(HOSTS);
  await waitFor(
    async () => (await db.prisma.host.count({ where: { orgId: db.demo.orgId, status: "online" } })) === HOSTS,
    90_000,
  );
  await new Promise((r) => setTimeout(r, 5000)); // a few samples per workload
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  await server?.stop();
  await db?.stop();
});

describe("consolidating the demo fleet", () => {
  it("plans all 20 sim hosts with the form's defaults and executes the plan to the end", async () => {
    const created = await owner.mutate<PlanView>("plans.create", {
      scope: "all",
      windowMinutes: 60,
      cpuPercentile: 95,
      memory: "used",
      policy: { cpuHeadroom: 0.8, memoryHeadroom: 0.9 },
      concurrency: 4,
    });
    expect(created.error, JSON.stringify(created.error)).toBeUndefined();
    const plan = created.data as PlanView;
    const f = plan.output.figures;
    console.log(`demo plan: ${JSON.stringify(f)}; warnings: ${JSON.stringify(plan.output.warnings ?? [])}`);
    expect(f.hostsBefore).toBe(HOSTS);
    expect(f.hostsAfter).toBeLessThan(f.hostsBefore);
    expect(f.migrations).toBeGreaterThan(0);
    expect((await owner.mutate<PlanView>("plans.approve", { id: plan.id })).error).toBeUndefined();

    let latest: PlanView | undefined;
    await waitFor(
      async () => {
        latest = (await owner.query<PlanView>("plans.get", { id: plan.id })).data;
        return ["succeeded", "failed", "cancelled"].includes(latest?.state ?? "");
      },
      600_000,
      () => JSON.stringify(latest?.execution.filter((m) => m.state !== "succeeded")),
    );
    const done = latest as PlanView;
    expect(done.error).toBeNull();
    expect(done.state).toBe("succeeded");
    // The demo's churn may stop a workload before its move: that move is skipped, saying so.
    const skipped = done.execution.filter((m) => m.state === "skipped");
    console.log(`demo plan: ${done.execution.length - skipped.length} moves succeeded, ${skipped.length} skipped`);
    for (const m of skipped) expect(m.error).toMatch(/^not moved: /);
    expect(skipped.length).toBeLessThan(done.execution.length / 4);
    const skippedIds = new Set(skipped.map((m) => m.workload));
    for (const m of done.execution.filter((x) => x.state === "succeeded" && !skippedIds.has(x.workload))) {
      const row = await db.prisma.workload.findUniqueOrThrow({ where: { id: m.workload } });
      expect(row.hostId).toBe(done.output.placement[m.workload]);
    }
  }, 700_000);
});
