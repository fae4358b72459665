// Two server nodes on one PostgreSQL, both running the migrations orchestrator (both woken by
// the same NOTIFY, both resuming every 5 s): exactly one of them works on a migration at any
// time, seen as the advisory-lock claims in pg_locks. When the claimant loses its database link
// (its claims connection is terminated, as when a node dies) the work is claimed again, still
// by exactly one node. No agent is connected, so the migration waits at its first step.
import type { EnrollResponse } from "@flotilla/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppServer, createAppServer } from "../app-server.js";
import { parseConfig } from "../env.js";
import type { EvacuationView } from "../maintenance/evacuation-view.js";
import { enrolledHost, signIn } from "../testing/commands.js";
import { silentLogger, startTestServer, type TestServer } from "../testing/test-server.js";
import type { TrpcSession } from "../testing/trpc-client.js";
import type { MigrationView } from "./migration-view.js";
import { CLAIM_KINDS, CLAIMS_APPLICATION, type ClaimKind } from "./work-claims.js";

let t: TestServer;
let node2: AppServer;
let owner: TrpcSession;
let a: EnrollResponse;
let b: EnrollResponse;

interface Holder {
  pid: number;
  app: string;
}

/** Who holds a claim of that kind now (one row per held lock). */
function holders(kind: ClaimKind = "migration"): Promise<Holder[]> {
  return t.prisma.$queryRaw<Holder[]>`
    SELECT l.pid, a.application_name AS app FROM pg_locks l JOIN pg_stat_activity a USING (pid)
    WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = ${CLAIM_KINDS[kind]}`;
}

/** Samples the holders for `ms`: never two at once. Returns the last sample. */
async function watchHolders(ms: number, kind: ClaimKind = "migration"): Promise<Holder[]> {
  const end = Date.now() + ms;
  let last: Holder[] = [];
  while (Date.now() < end) {
    last = await holders(kind);
    expect(last.length, JSON.stringify(last)).toBeLessThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

beforeAll(async () => {
  t = await startTestServer();
  const config = parseConfig({
    DATABASE_URL: t.db.url,
    PORT: "0",
    HOST: "127.0.0.1",
    NODE_ENV: "test",
    FLOTILLA_UI: "off",
  });
  node2 = createAppServer(config, { logger: silentLogger() });
  await node2.start();
  owner = await signIn(t, t.owner.email, t.owner.password);
  [a, b] = [await enrolledHost(t), await enrolledHost(t)];
  for (const h of [a, b])
    await t.prisma.host.update({
      where: { id: h.hostId },
      data: { status: "online", cpuCores: 2, memoryBytes: 4n << 30n, drivers: ["proc", "qemu"] },
    });
}, 60_000);

afterAll(async () => {
  await node2?.stop();
  await t?.stop();
});

describe("two orchestrators on one database", () => {
  it("claim each migration once; a node that loses its link hands the migration over", async () => {
    const vm = await t.prisma.workload.create({
      data: {
        hostId: a.hostId,
        externalId: `vm-${a.hostId}`,
        kind: "vm",
        driver: "qemu",
        name: "vm-1",
        state: "running",
      },
    });
    const started = await owner.mutate<MigrationView>("migrations.start", {
      workloadId: vm.id,
      targetHostId: b.hostId,
      listenHost: "127.0.0.1",
    });
    expect(started.error).toBeUndefined();
    const id = started.data?.id as string;

    let first: Holder[] = [];
    const deadline = Date.now() + 5_000;
    while (first.length === 0 && Date.now() < deadline) first = await holders();
    expect(first).toHaveLength(1);
    expect(first[0]?.app.startsWith(`${CLAIMS_APPLICATION} `)).toBe(true);
    // Past a resume tick of both nodes: still the first claimant, alone.
    expect(await watchHolders(6_000)).toEqual(first);
    const m = await t.prisma.migration.findUniqueOrThrow({ where: { id } });
    expect(m.state).toBe("preparing");
    expect(await t.prisma.command.count({ where: { idempotencyKey: { startsWith: `migration:${id}:` } } })).toBe(1);

    // The claimant's link dies: its claim goes with it and the migration is claimed again.
    await t.prisma.$queryRaw`SELECT pg_terminate_backend(${first[0]?.pid as number}::int)`;
    let next: Holder[] = [];
    const until = Date.now() + 12_000;
    while (Date.now() < until) {
      next = await holders();
      expect(next.length).toBeLessThanOrEqual(1);
      if (next.length === 1 && next[0]?.pid !== first[0]?.pid) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(next).toHaveLength(1);
    expect(next[0]?.pid).not.toBe(first[0]?.pid);
    expect(await watchHolders(2_000)).toEqual(next);
    // Resumed, not restarted: the step it waits on is the same command.
    expect(await t.prisma.command.count({ where: { idempotencyKey: { startsWith: `migration:${id}:` } } })).toBe(1);
    expect((await t.prisma.migration.findUniqueOrThrow({ where: { id } })).state).toBe("preparing");
  }, 40_000);

  it("claim each evacuation once too; after a lost link it is resumed without starting its moves again", async () => {
    const c = await enrolledHost(t);
    await t.prisma.host.update({
      where: { id: c.hostId },
      data: { status: "online", cpuCores: 2, memoryBytes: 4n << 30n, drivers: ["proc", "qemu"] },
    });
    await t.prisma.workload.create({
      data: {
        hostId: c.hostId,
        externalId: `vm-${c.hostId}`,
        kind: "vm",
        driver: "qemu",
        name: "vm-2",
        state: "running",
        vcpus: 1,
        memoryBytes: 128n << 20n,
      },
    });
    // Online again (no agent heartbeats here: the liveness sweeper may have marked them offline).
    for (const h of [a, b])
      await t.prisma.host.update({
        where: { id: h.hostId },
        data: { status: "online", lastSeenAt: new Date(), labels: { "migration-address": "127.0.0.1" } },
      });
    const entered = await owner.mutate<{ evacuation: EvacuationView }>("maintenance.enter", {
      hostId: c.hostId,
      evacuate: true,
    });
    expect(entered.error).toBeUndefined();
    const evacuationId = entered.data?.evacuation.id as string;
    expect(entered.data?.evacuation.moves, JSON.stringify(entered.data)).toHaveLength(1);

    let first: Holder[] = [];
    const deadline = Date.now() + 5_000;
    while (first.length === 0 && Date.now() < deadline) first = await holders("evacuation");
    expect(first).toHaveLength(1);
    expect(await watchHolders(6_000, "evacuation")).toEqual(first);
    // Its one move started one migration, which waits for its agent.
    expect(await t.prisma.migration.count({ where: { evacuationId } })).toBe(1);

    await t.prisma.$queryRaw`SELECT pg_terminate_backend(${first[0]?.pid as number}::int)`;
    let next: Holder[] = [];
    const until = Date.now() + 12_000;
    while (Date.now() < until) {
      next = await holders("evacuation");
      expect(next.length).toBeLessThanOrEqual(1);
      if (next.length === 1 && next[0]?.pid !== first[0]?.pid) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(next).toHaveLength(1);
    expect(next[0]?.pid).not.toBe(first[0]?.pid);
    expect(await watchHolders(2_000, "evacuation")).toEqual(next);
    expect(await t.prisma.migration.count({ where: { evacuationId } })).toBe(1);
    expect((await t.prisma.evacuation.findUniqueOrThrow({ where: { id: evacuationId } })).state).toBe("running");
  }, 40_000);
});
