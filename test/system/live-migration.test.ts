// Live migration through the control plane: two agents (in-process, qemu driver, separate state
// dirs) acting as two hosts whose QEMUs run in two network namespaces joined by a veth pair, both
// enrolled to one real server on a real PostgreSQL. The guest is created and started with vm.*
// commands on host A, then moved with migrations.start while a client in each namespace polls
// its HTTP server (user networking, hostfwd 127.0.0.1:8080 on whichever host runs it).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QmpClient } from "../../apps/agent/src/drivers/qemu/index.js";
import { vmRuntimePaths } from "../../apps/agent/src/drivers/qemu/vm-definition.js";
import { createSilentLogger } from "../../apps/agent/src/logger.js";
import type { MigrationView } from "../../apps/web/src/server/migrations/migration-view.js";
import { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import { createNetnsPair, type NetnsPair, NetnsPoller } from "../support/netns.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { type Proc, startServer } from "../support/processes.js";
import { createDisk, ensureGuest, hasQemu, janitor, newVmStateDir } from "../support/qemu.js";
import { runCommand, startVmHost, type VmHost } from "../support/vm-hosts.js";
import { waitFor } from "../support/wait-for.js";

const logger = createSilentLogger();
const GUEST_URL = "http://127.0.0.1:8080/";
let db: SeededDatabase;
let server: Proc;
let owner: TrpcSession;
let net: NetnsPair;
let A: VmHost;
let B: VmHost;
let pollers: { A: NetnsPoller; B: NetnsPoller };
let uuid: string;
let workloadId: string;
const overheads: number[] = [];

async function waitForMigration(id: string, timeoutMs = 120_000): Promise<MigrationView> {
  let last: MigrationView | undefined;
  await waitFor(
    async () => {
      last = (await owner.query<MigrationView>("migrations.get", { id })).data;
      return ["succeeded", "failed", "cancelled"].includes(last?.state ?? "");
    },
    timeoutMs,
    () => JSON.stringify(last),
  );
  return last as MigrationView;
}

beforeAll(async () => {
  if (!hasQemu()) throw new Error("qemu-system-x86_64 is missing: apt-get install qemu-system-x86 qemu-utils");
  db = await startSeededDatabase();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  server = await startServer(db.url, port, { ui: false });
  owner = new TrpcSession(url);
  expect((await owner.mutate("auth.signIn", { email: db.email, password: db.password })).status).toBe(200);
  net = createNetnsPair();
  A = await startVmHost(db, url, logger, net.a.launcher);
  B = await startVmHost(db, url, logger, net.b.launcher);
  // Where each host receives migrations: its address on the link between the namespaces.
  await db.prisma.host.update({ where: { id: A.hostId }, data: { labels: { "migration-address": net.a.ip } } });
  await db.prisma.host.update({ where: { id: B.hostId }, data: { labels: { "migration-address": net.b.ip } } });
  pollers = { A: new NetnsPoller(net.a.ns, GUEST_URL), B: new NetnsPoller(net.b.ns, GUEST_URL) };

  const guest = ensureGuest();
  const shared = newVmStateDir();
  const created = await runCommand(owner, A.hostId, {
    name: "vm.create",
    payload: {
      name: "migrant",
      templateDisk: createDisk(join(shared, "template.qcow2"), 32),
      memoryMiB: 128,
      network: { mode: "user", hostfwd: [{ hostPort: 8080, guestPort: 80 }] },
      kernel: { path: guest.kernel, initrd: guest.initrd, append: "console=ttyS0 quiet" },
      start: true,
    },
  });
  expect(created.state).toBe("succeeded");
  uuid = created.result?.workloadId as string;
  await waitFor(async () => {
    const row = await db.prisma.workload.findFirst({ where: { hostId: A.hostId, externalId: uuid } });
    workloadId = row?.id ?? "";
    return row?.state === "running";
  }, 30_000);
  const from = Date.now();
  await waitFor(() => pollers.A.since(from).some((r) => r.ok), 90_000);
});

afterAll(async () => {
  await Promise.all(Object.values(pollers ?? {}).map((p) => p.stop()));
  await A?.agent.stop();
  await B?.agent.stop();
  janitor.cleanAll();
  net?.remove();
  await server?.stop();
  await db?.stop();
  if (overheads.length) console.info(`control-plane overhead (API call -> QMP migrate), ms: ${overheads.join(", ")}`);
});

describe("live migration through the control plane", () => {
  it("moves a running guest A -> B: lease held during, ownership moved, times recorded", async () => {
    const from = Date.now();
    const started = await owner.mutate<MigrationView>("migrations.start", {
      workloadId,
      targetHostId: B.hostId,
      storage: "shared",
    });
    expect(started.error).toBeUndefined();
    const id = started.data?.id as string;

    // While it moves, any other command on the VM is refused, saying who holds it.
    const refused = await owner.mutate("commands.request", {
      hostId: A.hostId,
      command: { name: "vm.pause", payload: { workloadId: uuid } },
    });
    expect(refused.error?.data.code).toBe("CONFLICT");
    expect(refused.error?.message).toMatch(new RegExp(`migrant is being migrated by ${db.email} since `));
    expect(await db.prisma.workloadLease.count({ where: { workloadId } })).toBe(1);
    const second = await owner.mutate("migrations.start", { workloadId, targetHostId: B.hostId, storage: "shared" });
    expect(second.error?.data.code).toBe("CONFLICT");

    const done = await waitForMigration(id);
    const switchAt = Date.now();
    expect(done).toMatchObject({ state: "succeeded", error: null, phase: "completed" });
    expect(done.downtimeMs).toBeGreaterThan(0);
    expect(done.totalTimeMs).toBeGreaterThan(0);
    expect(done.transferredBytes).toBeGreaterThan(1024 * 1024);
    expect(done.migrateIssuedAt).not.toBeNull();
    expect(done.controlPlaneOverheadMs).toBeGreaterThan(0);
    overheads.push(done.controlPlaneOverheadMs as number);
    console.info(
      `A->B: downtime ${done.downtimeMs} ms, total ${done.totalTimeMs} ms, overhead ${done.controlPlaneOverheadMs} ms`,
    );

    // Ownership moved: the same Workload row (id and history) now belongs to B; the lease is gone.
    await waitFor(
      async () => (await db.prisma.workload.findUnique({ where: { id: workloadId } }))?.hostId === B.hostId,
      5_000,
    );
    const rows = await db.prisma.workload.findMany({ where: { externalId: uuid, removedAt: null } });
    expect(rows.map((r) => [r.id, r.hostId])).toEqual([[workloadId, B.hostId]]);
    expect(await db.prisma.workloadLease.count({ where: { workloadId } })).toBe(0);
    expect(await A.driver.inventory()).toEqual([]);
    expect(await B.driver.inventory()).toEqual([expect.objectContaining({ id: uuid, state: "running" })]);

    // The guest kept answering: before the switch on A, after it on B.
    await waitFor(() => pollers.B.since(switchAt).some((r) => r.ok), 10_000);
    expect(pollers.A.since(from).some((r) => r.ok)).toBe(true);
    // And it takes commands again, on its new host.
    const listed = await runCommand(owner, B.hostId, { name: "vm.snapshot.list", payload: { workloadId: uuid } });
    expect(listed.state).toBe("succeeded");
  });

  it("a migration cancelled mid-way leaves the VM on its host, cancelled, with the reason", async () => {
    const started = await owner.mutate<MigrationView>("migrations.start", {
      workloadId,
      targetHostId: A.hostId,
      storage: "shared",
      // Slow enough to be caught in the middle.
      maxBandwidthBytesPerSec: 4 * 1024 * 1024,
    });
    const id = started.data?.id as string;
    expect(id).toBeTruthy();
    await waitFor(async () => {
      const m = (await owner.query<MigrationView>("migrations.get", { id })).data;
      return m?.state === "migrating" && (m.transferredBytes ?? 0) > 2 * 1024 * 1024;
    }, 60_000);
    const cancel = await owner.mutate("migrations.cancel", { id, reason: "operator changed their mind" });
    expect(cancel.error).toBeUndefined();
    const done = await waitForMigration(id);
    expect(done.state).toBe("cancelled");
    expect(done.error).toMatch(/operator changed their mind/);
    expect(done.migrateIssuedAt).not.toBeNull();
    overheads.push(done.controlPlaneOverheadMs as number);

    expect((await db.prisma.workload.findUnique({ where: { id: workloadId } }))?.hostId).toBe(B.hostId);
    expect(await db.prisma.workloadLease.count({ where: { workloadId } })).toBe(0);
    expect(await B.driver.inventory()).toEqual([expect.objectContaining({ id: uuid, state: "running" })]);
    await waitFor(async () => (await A.driver.inventory()).length === 0, 10_000);
    const after = Date.now();
    await waitFor(() => pollers.B.since(after).some((r) => r.ok), 10_000);
  });

  it("a VM the target cannot confirm running stays on its source, running, and the migration says why", async () => {
    const started = await owner.mutate<MigrationView>("migrations.start", {
      workloadId,
      targetHostId: A.hostId,
      storage: "shared",
      maxBandwidthBytesPerSec: 4 * 1024 * 1024,
    });
    const id = started.data?.id as string;
    expect(id).toBeTruthy();
    await waitFor(
      async () => (await owner.query<MigrationView>("migrations.get", { id })).data?.state === "migrating",
      60_000,
    );
    // A fault on the target: the guest is paused there the moment it resumes.
    const admin = await QmpClient.connect(vmRuntimePaths(A.stateDir, uuid).qmpAdminSocket, { timeoutMs: 5000 });
    admin.onEvent((event) => {
      if (event.event === "RESUME") void admin.execute("stop").catch(() => undefined);
    });
    let done: MigrationView;
    try {
      done = await waitForMigration(id);
    } finally {
      admin.close();
    }
    expect(done.state).toBe("failed");
    expect(done.error).toMatch(/the target did not confirm the VM runs there: .*paused.*; it runs on the source again/);
    overheads.push(done.controlPlaneOverheadMs as number);

    // Still B's, running there, answering; A holds nothing; the lease is gone.
    expect((await db.prisma.workload.findUnique({ where: { id: workloadId } }))?.hostId).toBe(B.hostId);
    expect(await db.prisma.workloadLease.count({ where: { workloadId } })).toBe(0);
    await waitFor(async () => (await B.driver.inventory()).some((w) => w.id === uuid && w.state === "running"), 10_000);
    await waitFor(async () => (await A.driver.inventory()).length === 0, 10_000);
    const after = Date.now();
    await waitFor(() => pollers.B.since(after).some((r) => r.ok), 10_000);
    await waitFor(
      async () => (await db.prisma.workload.findUnique({ where: { id: workloadId } }))?.state === "running",
      10_000,
    );
  });
});
