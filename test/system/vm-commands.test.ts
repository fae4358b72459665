// VM lifecycle through the whole command pipeline: the real server (child process) on a real
// PostgreSQL, an agent running the qemu driver in-process, and vm.* commands requested over tRPC
// as the dashboard does. Each command must reach succeeded, and the inventory must follow.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSilentLogger } from "../../apps/agent/src/logger.js";
import { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { type Proc, startServer } from "../support/processes.js";
import {
  createDisk,
  ensureGuest,
  hasQemu,
  hmp,
  httpText,
  imageHasPattern,
  janitor,
  newVmStateDir,
  writeGuestDisk,
} from "../support/qemu.js";
import { runCommand, startVmHost, type VmHost } from "../support/vm-hosts.js";
import { waitFor } from "../support/wait-for.js";

const logger = createSilentLogger();
let db: SeededDatabase;
let server: Proc;
let owner: TrpcSession;
let host: VmHost;
let templateDir: string;

beforeAll(async () => {
  if (!hasQemu()) throw new Error("qemu-system-x86_64 is missing: apt-get install qemu-system-x86 qemu-utils");
  db = await startSeededDatabase();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  server = await startServer(db.url, port, { ui: false });
  owner = new TrpcSession(url);
  expect((await owner.mutate("auth.signIn", { email: db.email, password: db.password })).status).toBe(200);
  host = await startVmHost(db, url, logger);
  templateDir = newVmStateDir();
});

afterAll(async () => {
  await host?.agent.stop();
  janitor.cleanAll();
  await server?.stop();
  await db?.stop();
});

const row = (uuid: string) => db.prisma.workload.findFirst({ where: { hostId: host.hostId, externalId: uuid } });

describe("vm.* commands through tRPC -> server -> agent (qemu driver)", () => {
  it("creates from a template, starts, snapshots and reverts, sets memory, shuts down", async () => {
    const guest = ensureGuest();
    const template = createDisk(join(templateDir, "template.qcow2"), 32);
    const httpPort = await freePort();
    const run = (name: string, payload: Record<string, unknown>) => runCommand(owner, host.hostId, { name, payload });

    const created = await run("vm.create", {
      name: "cmd-guest",
      templateDisk: template,
      vcpus: 1,
      memoryMiB: 128,
      diskSizeMiB: 64,
      network: { mode: "user", hostfwd: [{ hostPort: httpPort, guestPort: 80 }] },
      kernel: { path: guest.kernel, initrd: guest.initrd, append: "console=ttyS0 quiet" },
      labels: { test: "vm-commands" },
    });
    expect(created.error).toBeNull();
    expect(created.state).toBe("succeeded");
    const uuid = created.result?.workloadId as string;
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor(async () => (await row(uuid))?.state === "stopped", 15_000);
    const def = host.driver.getVm(uuid);
    expect(def?.disks[0]?.path.startsWith(join(host.stateDir, "disks", uuid))).toBe(true);

    expect((await run("vm.start", { workloadId: uuid })).state).toBe("succeeded");
    await waitFor(async () => (await row(uuid))?.state === "running", 15_000);
    await waitFor(
      async () => (await httpText(`http://127.0.0.1:${httpPort}/`))?.includes("flotilla test guest") ?? false,
      90_000,
    );

    // Snapshot, change the disk, revert: the disk is back as it was at the snapshot.
    const admin = def?.qmpAdminSocket as string;
    await writeGuestDisk(admin, "disk0", 0x11);
    expect((await run("vm.snapshot.create", { workloadId: uuid, name: "before" })).state).toBe("succeeded");
    const listed = await run("vm.snapshot.list", { workloadId: uuid });
    expect(listed.result?.snapshots).toEqual([expect.objectContaining({ name: "before" })]);
    await writeGuestDisk(admin, "disk0", 0x22);
    expect(imageHasPattern(def?.disks[0]?.path as string, 0x22)).toBe(true);
    const reverted = await run("vm.snapshot.revert", { workloadId: uuid, name: "before" });
    expect(reverted.error).toBeNull();
    await hmp(admin, 'qemu-io disk0 "flush"');
    expect(imageHasPattern(def?.disks[0]?.path as string, 0x11), "the disk is back at the snapshot").toBe(true);
    await waitFor(
      async () => (await httpText(`http://127.0.0.1:${httpPort}/`))?.includes("flotilla test guest") ?? false,
      30_000,
    );

    const memory = await run("vm.set_memory", { workloadId: uuid, memoryMiB: 96 });
    expect(memory.state).toBe("succeeded");
    expect(memory.result?.memoryMiB).toBeLessThan(128);
    await waitFor(async () => Number((await row(uuid))?.memoryBytes ?? 0) < 128 * 1024 * 1024, 15_000);

    // A host outside the org (here: none) is not found, and nothing is sent.
    const refused = await runCommand(owner, "no-such-host", { name: "vm.pause", payload: { workloadId: uuid } }).catch(
      (e: Error) => e.message,
    );
    expect(refused).toMatch(/NOT_FOUND/);

    const shutdown = await run("vm.shutdown", { workloadId: uuid, timeoutSeconds: 20 });
    expect(shutdown.state).toBe("succeeded");
    await waitFor(async () => (await row(uuid))?.state === "stopped", 15_000);

    const deleted = await run("vm.delete", { workloadId: uuid, deleteDisks: true });
    expect(deleted.state).toBe("succeeded");
    await waitFor(async () => (await row(uuid))?.removedAt != null, 15_000);
  });
});
