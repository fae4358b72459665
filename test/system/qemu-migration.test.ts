// Live migration between two qemu drivers acting as two hosts: separate state dirs, each host's
// QEMUs inside its own network namespace (joined to the other by a veth pair), the migration
// stream and NBD disk copies crossing that link. The guest uses user networking with a hostfwd
// of 127.0.0.1:8080 on whichever host runs it (the same definition on both; a host's loopback
// is its own), polled throughout by a client inside each namespace; the client switches hosts
// when the migration returns. (The test guest sets no default route, so slirp can only answer
// connections from loopback.) At most two QEMUs run at once (the guest and the incoming one).
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createQemuDriver,
  type MigrationProgress,
  NotConfirmedError,
  type QemuDriver,
  QmpClient,
  type VmDefinition,
  VmError,
} from "../../apps/agent/src/drivers/qemu/index.js";
import { vmRuntimePaths } from "../../apps/agent/src/drivers/qemu/vm-definition.js";
import { createLogger, createSilentLogger } from "../../apps/agent/src/logger.js";
import { createNetnsPair, type NetnsPair, NetnsPoller } from "../support/netns.js";
import {
  createDisk,
  ensureGuest,
  hasQemu,
  hmp,
  imageHasPattern,
  janitor,
  newVmStateDir,
  RecordingListener,
  runningQemuPids,
  writeGuestDisk,
} from "../support/qemu.js";
import { waitFor } from "../support/wait-for.js";

const logger = process.env.QEMU_TEST_LOG ? createLogger("warn") : createSilentLogger();
const GUEST_PORT = 8080;

interface Host {
  name: "A" | "B";
  ip: string;
  stateDir: string;
  driver: QemuDriver;
  rec: RecordingListener;
}

describe("live migration between two hosts (network namespaces)", () => {
  let net: NetnsPair;
  let hosts: { A: Host; B: Host };
  let sharedDir: string;
  let vm: VmDefinition;
  let pollers: Record<"A" | "B", NetnsPoller>;
  /** Where the VM runs now. */
  let here: Host;
  let there: Host;

  const URL = `http://127.0.0.1:${GUEST_PORT}/`;
  const definitionsIn = (host: Host) =>
    existsSync(join(host.stateDir, "vms"))
      ? readdirSync(join(host.stateDir, "vms")).filter((f) => f.endsWith(".json"))
      : [];
  async function answersAt(host: Host, timeoutMs: number) {
    const from = Date.now();
    await waitFor(() => pollers[host.name].since(from).some((r) => r.ok), timeoutMs);
  }

  /** Requests a client saw fail from `from` until the guest answered on the target, switching at `switchAt`. */
  function failedDuringSwitch(source: Host, target: Host, from: number, switchAt: number) {
    const before = pollers[source.name].since(from).filter((r) => r.at < switchAt);
    const after = pollers[target.name].since(switchAt);
    const firstOk = after.findIndex((r) => r.ok);
    const seen = [...before, ...after.slice(0, firstOk + 1)];
    return { failed: seen.filter((r) => !r.ok).length, total: seen.length };
  }

  beforeAll(async () => {
    if (!hasQemu()) throw new Error("qemu-system-x86_64 is missing: apt-get install qemu-system-x86 qemu-utils");
    net = createNetnsPair();
    sharedDir = newVmStateDir();
    const make = async (name: "A" | "B", side: NetnsPair["a"]): Promise<Host> => {
      const stateDir = newVmStateDir();
      const rec = new RecordingListener();
      const driver = createQemuDriver({ stateDir, logger, launcher: side.launcher, powerdownTimeoutMs: 5000 });
      await driver.start(rec);
      return { name, ip: side.ip, stateDir, driver, rec };
    };
    hosts = { A: await make("A", net.a), B: await make("B", net.b) };
    const guest = ensureGuest();
    vm = await hosts.A.driver.createVm({
      name: "migrant",
      memoryMiB: 128,
      kernel: { path: guest.kernel, initrd: guest.initrd, append: "console=ttyS0 quiet" },
      // A shared path: both hosts see this file.
      disks: [{ path: createDisk(join(sharedDir, "migrant.qcow2"), 64) }],
      network: { mode: "user", hostfwd: [{ hostPort: GUEST_PORT, guestPort: 80 }] },
    });
    here = hosts.A;
    there = hosts.B;
    await here.driver.startVm(vm.uuid);
    pollers = { A: new NetnsPoller(net.a.ns, URL), B: new NetnsPoller(net.b.ns, URL) };
    await answersAt(here, 90_000);
  });

  afterAll(async () => {
    await Promise.all(Object.values(pollers ?? {}).map((p) => p.stop()));
    for (const host of Object.values(hosts ?? {})) {
      await host.driver.stop();
      janitor.clean(host.stateDir);
    }
    if (sharedDir) janitor.clean(sharedDir);
    net?.remove();
  });

  /** One migration from `here` to `there`, following the guest's address when it completes. */
  async function migrate(storage: "shared" | "copy") {
    const reports: MigrationProgress[] = [];
    const sent = await here.driver.migrationSource(vm.uuid);
    const target = await there.driver.prepareIncoming(sent, { listenHost: there.ip, storage });
    const arrived = there.driver.awaitIncoming(vm.uuid);
    arrived.catch(() => undefined);
    const result = await here.driver
      .migrateOut(vm.uuid, { ...target, onProgress: (_p, _m, data) => reports.push(data as MigrationProgress) })
      .catch(async (error: unknown) => {
        await there.driver.abortIncoming(vm.uuid, "the source failed"); // the control plane's part
        throw error;
      });
    const switchAt = Date.now();
    await arrived;
    // The target confirmed it runs there: the source removes its paused copy (the control plane's step 5).
    expect(await here.driver.finishSource(vm.uuid, "confirmed", storage)).toEqual({ status: "removed" });
    const from = here;
    [here, there] = [there, here];
    return { result, reports, target, source: from, switchAt };
  }

  it("moves a running guest A -> B on shared storage; its httpd keeps answering, on B's address", async () => {
    const from = Date.now();
    const { result, reports, source, switchAt } = await migrate("shared");
    await answersAt(here, 10_000);
    const { failed, total } = failedDuringSwitch(source, here, from, switchAt);
    console.info(
      `A->B shared: total ${result.totalTimeMs} ms, downtime ${result.downtimeMs} ms, ` +
        `${(result.transferredBytes / 1048576).toFixed(1)} MiB; HTTP: ${failed} of ${total} requests failed`,
    );
    expect(result).toMatchObject({ storage: "shared", diskBytes: 0 });
    expect(result.downtimeMs).toBeGreaterThan(0);
    expect(result.transferredBytes).toBeGreaterThan(1024 * 1024);
    const memory = reports.filter((r) => r.phase === "memory");
    expect(memory.length).toBeGreaterThan(0);
    // RAM figures (its size, bytes sent) show by the last report at the latest: a small guest can
    // finish between two progress polls, so not always in a mid-phase one.
    const ramReported = (r: (typeof reports)[number]) =>
      (r.phase === "memory" || r.phase === "completed") && r.transferredBytes > 0 && r.totalBytes > 0;
    expect(reports.some(ramReported)).toBe(true);
    expect(reports.some((r) => r.mbps > 0)).toBe(true);
    expect(reports.at(-1)?.phase).toBe("completed");

    // Ownership moved: B runs it (same definition, B's runtime paths), A forgot it.
    expect(await hosts.A.driver.inventory()).toEqual([]);
    expect(definitionsIn(hosts.A)).toEqual([]);
    expect(runningQemuPids(hosts.A.stateDir)).toEqual([]);
    expect(await hosts.B.driver.inventory()).toEqual([expect.objectContaining({ id: vm.uuid, state: "running" })]);
    expect(hosts.B.driver.getVm(vm.uuid)?.disks).toEqual(vm.disks);
    expect(hosts.A.rec.events.at(-1)?.event).toMatchObject({ kind: "workload.removed", workloadId: vm.uuid });
    expect(hosts.B.rec.eventKinds(vm.uuid)).toContain("workload.created");
    // The client saw the guest answer before and after; only requests around the switch may fail.
    expect(total - failed).toBeGreaterThan(0);
  });

  it("moves it back B -> A copying its disk over NBD; the data arrives and B's copy is gone", async () => {
    await writeGuestDisk(hosts.B.driver.getVm(vm.uuid)?.qmpAdminSocket as string, "disk0", 0x42);
    const sharedDisk = vm.disks[0]?.path as string;
    const from = Date.now();
    const { result, reports, source, switchAt } = await migrate("copy");
    await answersAt(here, 10_000);
    const { failed, total } = failedDuringSwitch(source, here, from, switchAt);
    console.info(
      `B->A copy: disks ${(result.diskBytes / 1048576).toFixed(0)} MiB in ${result.diskCopyMs} ms, ` +
        `total ${result.totalTimeMs} ms, downtime ${result.downtimeMs} ms; HTTP: ${failed} of ${total} requests failed`,
    );
    expect(result.storage).toBe("copy");
    expect(result.diskBytes).toBe(64 * 1024 * 1024);
    expect(reports.some((r) => r.phase === "disks" && r.diskCopiedBytes > 0)).toBe(true);
    const moved = hosts.A.driver.getVm(vm.uuid) as VmDefinition;
    const copy = moved.disks[0]?.path as string;
    expect(copy.startsWith(join(hosts.A.stateDir, "disks", vm.uuid))).toBe(true);
    await hmp(moved.qmpAdminSocket, 'qemu-io disk0 "flush"'); // qemu-io on the host reads the file
    expect(imageHasPattern(copy, 0x42), "what the guest wrote on B is on A's copy").toBe(true);
    expect(existsSync(sharedDisk), "B's copy of the disk was deleted after the move").toBe(false);
    expect(await hosts.B.driver.inventory()).toEqual([]);
  });

  it("a cancelled migration leaves the guest running on its host and cleans the target up", async () => {
    const controller = new AbortController();
    const source = await here.driver.migrationSource(vm.uuid);
    const target = await there.driver.prepareIncoming(source, { listenHost: there.ip, storage: "shared" });
    const arrived = there.driver.awaitIncoming(vm.uuid);
    arrived.catch(() => undefined);
    const error = await here.driver
      .migrateOut(vm.uuid, {
        ...target,
        maxBandwidthBytesPerSec: 4 * 1024 * 1024,
        onProgress: (_p, _m, data) => {
          if ((data as MigrationProgress).transferredBytes > 2 * 1024 * 1024) controller.abort();
        },
        signal: controller.signal,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VmError);
    expect((error as VmError).code).toBe("cancelled");
    expect((error as VmError).message).toMatch(/cancelled; the VM keeps running on this host/);
    await expect(arrived).rejects.toThrow(/before the VM arrived/);
    await waitFor(() => runningQemuPids(there.stateDir).length === 0, 10_000);
    expect(definitionsIn(there)).toEqual([]);
    expect(await here.driver.inventory()).toEqual([expect.objectContaining({ id: vm.uuid, state: "running" })]);
    await answersAt(here, 10_000);

    // Cancelled while the disk is being copied: the mirror stops; the control plane then tells the
    // target to give up, which deletes its half-copied disk.
    const diskCancel = new AbortController();
    const sentAgain = await here.driver.migrationSource(vm.uuid);
    const copyTarget = await there.driver.prepareIncoming(sentAgain, { listenHost: there.ip, storage: "copy" });
    const copyArrived = there.driver.awaitIncoming(vm.uuid);
    copyArrived.catch(() => undefined);
    expect(existsSync(join(there.stateDir, "disks", vm.uuid))).toBe(true);
    const copyError = await here.driver
      .migrateOut(vm.uuid, {
        ...copyTarget,
        onProgress: (_p, _m, data) => {
          if ((data as MigrationProgress).phase === "disks") diskCancel.abort();
        },
        signal: diskCancel.signal,
      })
      .catch((e: unknown) => e);
    expect((copyError as VmError).code).toBe("cancelled");
    await there.driver.abortIncoming(vm.uuid, "the source cancelled");
    await expect(copyArrived).rejects.toThrow(/the source cancelled/);
    expect(existsSync(join(there.stateDir, "disks", vm.uuid))).toBe(false);
    expect(runningQemuPids(there.stateDir)).toEqual([]);
    const disk = here.driver.getVm(vm.uuid)?.disks[0]?.path as string;
    expect(imageHasPattern(disk, 0x42), "the source's disk is untouched").toBe(true);
    expect(await here.driver.inventory()).toEqual([expect.objectContaining({ id: vm.uuid, state: "running" })]);
    await answersAt(here, 10_000);
  });

  it("killing the target mid-migration leaves the guest running on its host, with the reason", async () => {
    const source = await here.driver.migrationSource(vm.uuid);
    const target = await there.driver.prepareIncoming(source, { listenHost: there.ip, storage: "shared" });
    const arrived = there.driver.awaitIncoming(vm.uuid);
    arrived.catch(() => undefined);
    let killed = false;
    const error = await here.driver
      .migrateOut(vm.uuid, {
        ...target,
        maxBandwidthBytesPerSec: 4 * 1024 * 1024,
        onProgress: (_p, _m, data) => {
          if (killed || (data as MigrationProgress).transferredBytes < 2 * 1024 * 1024) return;
          killed = true;
          for (const pid of runningQemuPids(there.stateDir)) process.kill(pid, "SIGKILL");
        },
      })
      .catch((e: unknown) => e);
    expect(killed).toBe(true);
    expect(error).toBeInstanceOf(VmError);
    expect((error as VmError).code).toBe("failed");
    expect((error as VmError).message).toMatch(/migration failed: .+/);
    console.info(`target killed: ${(error as Error).message}`);
    await expect(arrived).rejects.toThrow(/before the VM arrived/);
    expect(definitionsIn(there)).toEqual([]);
    expect(await here.driver.inventory()).toEqual([expect.objectContaining({ id: vm.uuid, state: "running" })]);
    await answersAt(here, 10_000);

    // And it can still move afterwards.
    await migrate("shared");
    await answersAt(here, 10_000);
  });

  it("a guest that arrives but does not run on the target resumes on its source, with the reason", async () => {
    const sent = await here.driver.migrationSource(vm.uuid);
    const target = await there.driver.prepareIncoming(sent, { listenHost: there.ip, storage: "shared" });
    // Someone (or a fault) pauses the guest on the target the moment it resumes there.
    const admin = await QmpClient.connect(vmRuntimePaths(there.stateDir, vm.uuid).qmpAdminSocket, { timeoutMs: 5000 });
    admin.onEvent((event) => {
      if (event.event === "RESUME") void admin.execute("stop").catch(() => undefined);
    });
    const arrived = there.driver.awaitIncoming(vm.uuid);
    arrived.catch(() => undefined);
    try {
      await here.driver.migrateOut(vm.uuid, target);
      const error = await arrived.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(NotConfirmedError);
      expect((error as Error).message).toMatch(/arrived (but is|and ran, then became) paused here/);
    } finally {
      admin.close();
    }
    // The target removed its copy; the source still holds the VM, paused after the migration.
    await waitFor(() => runningQemuPids(there.stateDir).length === 0, 10_000);
    expect(definitionsIn(there)).toEqual([]);
    expect(await there.driver.inventory()).toEqual([]);
    expect(await here.driver.finishSource(vm.uuid, "failed", "shared")).toEqual({ status: "running" });
    await waitFor(
      async () => (await here.driver.inventory()).some((w) => w.id === vm.uuid && w.state === "running"),
      10_000,
    );
    await answersAt(here, 10_000);
    // A VM running here is never removed as if it had left: that would lose it.
    await expect(here.driver.finishSource(vm.uuid, "confirmed", "shared")).rejects.toThrow(/running here/);
    expect(await here.driver.inventory()).toEqual([expect.objectContaining({ id: vm.uuid, state: "running" })]);
  });

  it("a restarted agent on the target removes an incoming QEMU its predecessor left waiting", async () => {
    const copies = join(there.stateDir, "disks", vm.uuid);
    const filesIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
    // (On this one file system, the VM's current disk may itself be in that directory.)
    const before = filesIn(copies);
    const sent = await here.driver.migrationSource(vm.uuid);
    await there.driver.prepareIncoming(sent, { listenHost: there.ip, storage: "copy" });
    expect(filesIn(copies)).toHaveLength(before.length + 1);
    const arrived = there.driver.awaitIncoming(vm.uuid);
    arrived.catch(() => undefined);
    expect(runningQemuPids(there.stateDir)).toHaveLength(1);
    // A second driver on the same state dir, as after an agent crash (the first never stopped).
    const side = there.name === "A" ? net.a : net.b;
    const restarted = createQemuDriver({ stateDir: there.stateDir, logger, launcher: side.launcher });
    await restarted.start(new RecordingListener());
    try {
      expect(runningQemuPids(there.stateDir)).toEqual([]);
      expect(filesIn(copies), "the blank copy it was receiving is deleted").toEqual(before);
      expect(await restarted.inventory()).toEqual([]);
      await expect(arrived).rejects.toThrow(/before the VM arrived/);
    } finally {
      await restarted.stop();
    }
    expect(await here.driver.inventory()).toEqual([expect.objectContaining({ id: vm.uuid, state: "running" })]);
  });

  it("moves a guest on a bridged tap: its own address keeps answering, no client change", async () => {
    await here.driver.stopVm(vm.uuid, true);
    const guest = ensureGuest();
    // The guest sits on the link between the hosts (10.231.0.0/24) with its own address; QEMU
    // creates the tap in the host's namespace and the driver attaches it to that host's bridge.
    const tapVm = await here.driver.createVm({
      name: "bridged",
      memoryMiB: 128,
      kernel: { path: guest.kernel, initrd: guest.initrd, append: "console=ttyS0 quiet flotilla.ip=10.231.0.10/24" },
      disks: [{ path: createDisk(join(sharedDir, "bridged.qcow2"), 16) }],
      network: { mode: "tap", ifname: "tap-bridged", bridge: "br0" },
    });
    await here.driver.startVm(tapVm.uuid);
    const client = new NetnsPoller(net.a.ns, "http://10.231.0.10/");
    try {
      await waitFor(() => client.results.some((r) => r.ok), 90_000);
      const from = Date.now();
      const sent = await here.driver.migrationSource(tapVm.uuid);
      const target = await there.driver.prepareIncoming(sent, { listenHost: there.ip, storage: "shared" });
      const result = await here.driver.migrateOut(tapVm.uuid, target);
      await there.driver.awaitIncoming(tapVm.uuid);
      await here.driver.finishSource(tapVm.uuid, "confirmed", "shared");
      const switchAt = Date.now();
      await waitFor(() => client.since(switchAt).some((r) => r.ok), 10_000);
      const seen = client.since(from);
      const failed = seen.filter((r) => !r.ok).length;
      console.info(
        `bridged tap ${here.name}->${there.name}: downtime ${result.downtimeMs} ms; ` +
          `HTTP on the guest's own address: ${failed} of ${seen.length} requests failed`,
      );
      expect(await there.driver.inventory()).toEqual([expect.objectContaining({ id: tapVm.uuid, state: "running" })]);
      expect(seen.filter((r) => r.ok).length).toBeGreaterThan(failed);
      await there.driver.stopVm(tapVm.uuid, true);
    } finally {
      await client.stop();
    }
  });
});
