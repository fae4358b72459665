/**
 * The control-plane phase of the migration benchmark: a real server on a real PostgreSQL, two
 * in-process agents (qemu driver) as two hosts in network namespaces, one test guest moved back
 * and forth with `migrations.start`, as test/system/live-migration.test.ts does. Per migration:
 * migrateIssuedAt - apiCalledAt (the control plane's overhead up to QMP `migrate`), QEMU's
 * downtime and total time, and the wall time from the API call to the migration succeeding.
 */
import { join } from "node:path";
import { createSilentLogger } from "../../../apps/agent/src/logger.js";
import type { MigrationView } from "../../../apps/web/src/server/migrations/migration-view.js";
import { TrpcSession } from "../../../apps/web/src/server/testing/trpc-client.js";
import { createNetnsPair, type NetnsPair } from "../../support/netns.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../../support/postgres.js";
import { type Proc, startServer } from "../../support/processes.js";
import { createDisk, ensureGuest, janitor, newVmStateDir } from "../../support/qemu.js";
import { runCommand, startVmHost, type VmHost } from "../../support/vm-hosts.js";
import { waitFor } from "../../support/wait-for.js";

export interface ControlPlaneRun {
  run: number;
  from: string;
  to: string;
  /** migrateIssuedAt - apiCalledAt, as the server records them. */
  overheadMs: number;
  downtimeMs: number;
  totalTimeMs: number;
  transferredBytes: number;
  /** From sending migrations.start to seeing the migration succeeded (migrations.get polled every 200 ms). */
  apiToSucceededMs: number;
}

async function waitForMigration(session: TrpcSession, id: string, timeoutMs = 120_000): Promise<MigrationView> {
  let last: MigrationView | undefined;
  await waitFor(
    async () => {
      last = (await session.query<MigrationView>("migrations.get", { id })).data;
      return ["succeeded", "failed", "cancelled"].includes(last?.state ?? "");
    },
    timeoutMs,
    () => JSON.stringify(last),
  );
  return last as MigrationView;
}

export async function runControlPlaneMigrations(opts: {
  migrations: number;
  memoryMiB: number;
  log: (line: string) => void;
}): Promise<ControlPlaneRun[]> {
  const logger = createSilentLogger();
  let db: SeededDatabase | undefined;
  let server: Proc | undefined;
  let net: NetnsPair | undefined;
  const hosts: VmHost[] = [];
  try {
    db = await startSeededDatabase();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    server = await startServer(db.url, port, { ui: false });
    const owner = new TrpcSession(url);
    const signIn = await owner.mutate("auth.signIn", { email: db.email, password: db.password });
    if (signIn.status !== 200) throw new Error(`sign-in failed: ${signIn.status}`);
    net = createNetnsPair();
    const names = new Map<string, string>();
    for (const [name, side] of [
      ["A", net.a],
      ["B", net.b],
    ] as const) {
      const host = await startVmHost(db, url, logger, side.launcher);
      hosts.push(host);
      names.set(host.hostId, name);
      await db.prisma.host.update({ where: { id: host.hostId }, data: { labels: { "migration-address": side.ip } } });
    }
    const [A, B] = hosts as [VmHost, VmHost];

    const guest = ensureGuest();
    const shared = newVmStateDir();
    const created = await runCommand(owner, A.hostId, {
      name: "vm.create",
      payload: {
        name: "bench-migrant",
        templateDisk: createDisk(join(shared, "template.qcow2"), 32),
        memoryMiB: opts.memoryMiB,
        // No hostfwd: nothing polls the guest here.
        network: { mode: "user", hostfwd: [] },
        kernel: { path: guest.kernel, initrd: guest.initrd, append: "console=ttyS0 quiet" },
        start: true,
      },
    });
    if (created.state !== "succeeded") throw new Error(`vm.create: ${JSON.stringify(created.error)}`);
    const uuid = created.result?.workloadId as string;
    let workloadId = "";
    await waitFor(async () => {
      const row = await db?.prisma.workload.findFirst({ where: { hostId: A.hostId, externalId: uuid } });
      workloadId = row?.id ?? "";
      return row?.state === "running";
    }, 30_000);
    // Let the guest boot and settle into idle.
    await new Promise((r) => setTimeout(r, 10_000));

    const runs: ControlPlaneRun[] = [];
    let [here, there] = [A, B];
    for (let i = 1; i <= opts.migrations; i++) {
      const sent = performance.now();
      const started = await owner.mutate<MigrationView>("migrations.start", {
        workloadId,
        targetHostId: there.hostId,
        storage: "shared",
      });
      if (!started.data) throw new Error(`migrations.start refused: ${started.error?.message}`);
      const done = await waitForMigration(owner, started.data.id);
      const apiToSucceededMs = Math.round((performance.now() - sent) * 10) / 10;
      if (done.state !== "succeeded" || done.controlPlaneOverheadMs === null) {
        throw new Error(`migration #${i} ended ${done.state}: ${done.error}`);
      }
      const run: ControlPlaneRun = {
        run: i,
        from: names.get(here.hostId) ?? here.hostId,
        to: names.get(there.hostId) ?? there.hostId,
        overheadMs: done.controlPlaneOverheadMs,
        downtimeMs: done.downtimeMs ?? 0,
        totalTimeMs: done.totalTimeMs ?? 0,
        transferredBytes: done.transferredBytes ?? 0,
        apiToSucceededMs,
      };
      runs.push(run);
      opts.log(
        `control plane #${run.run} ${run.from}->${run.to}: overhead ${run.overheadMs} ms, downtime ` +
          `${run.downtimeMs} ms, total ${run.totalTimeMs} ms, API to succeeded ${run.apiToSucceededMs} ms`,
      );
      // Ownership moved and the lease released before the next one.
      const target = there;
      await waitFor(async () => {
        const row = await db?.prisma.workload.findUnique({ where: { id: workloadId } });
        const leases = await db?.prisma.workloadLease.count({ where: { workloadId } });
        return row?.hostId === target.hostId && row.state === "running" && leases === 0;
      }, 30_000);
      [here, there] = [there, here];
    }
    return runs;
  } finally {
    for (const host of hosts) await host.agent.stop().catch(() => undefined);
    // Kills the guest's QEMU wherever it ended up, and removes the state dirs.
    janitor.cleanAll();
    net?.remove();
    await server?.stop();
    await db?.stop();
  }
}
