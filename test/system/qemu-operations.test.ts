// VM operations of the qemu driver on the real test guest (TCG): create from a template disk,
// balloon, reboot, snapshots while running and while stopped, full and linked clones, delete
// with disks. Disk contents are checked on the host with qemu-io; one guest runs at a time.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createQemuDriver, type QemuDriver, type VmDefinition } from "../../apps/agent/src/drivers/qemu/index.js";
import { imageInfo } from "../../apps/agent/src/drivers/qemu/qemu-img.js";
import { createSilentLogger } from "../../apps/agent/src/logger.js";
import { freePort } from "../support/postgres.js";
import {
  createDisk,
  ensureGuest,
  hasQemu,
  httpText,
  imageHasPattern,
  janitor,
  newVmStateDir,
  RecordingListener,
  runningQemuPids,
  writeGuestDisk,
  writeImage,
} from "../support/qemu.js";
import { waitFor } from "../support/wait-for.js";

const MiB = 1024 * 1024;
const logger = createSilentLogger();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("qemu driver VM operations with the test guest", () => {
  let stateDir: string;
  let driver: QemuDriver;
  let rec: RecordingListener;
  let template: string;
  let vm: VmDefinition;
  let url: string;
  const progress: [number, string][] = [];
  const onProgress = (p: number, message: string) => progress.push([p, message]);

  beforeAll(async () => {
    if (!hasQemu()) throw new Error("qemu-system-x86_64 is missing: apt-get install qemu-system-x86 qemu-utils");
    stateDir = newVmStateDir();
    template = createDisk(join(stateDir, "template.qcow2"), 64);
    writeImage(template, 0x5a);
    rec = new RecordingListener();
    driver = createQemuDriver({ stateDir, logger, balloonStatsIntervalS: 1, powerdownTimeoutMs: 5000 });
    await driver.start(rec);
  });

  afterAll(async () => {
    await driver?.stop();
    if (stateDir) janitor.clean(stateDir);
  });

  async function waitForHttp(timeoutMs = 90_000) {
    await waitFor(async () => (await httpText(url, 500))?.includes("flotilla test guest") ?? false, timeoutMs);
  }

  it("creates a VM from a template disk (a backing-file clone) that boots and leaves the template alone", async () => {
    const guest = ensureGuest();
    const port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    vm = await driver.createVmFromTemplate(
      {
        name: "from-template",
        memoryMiB: 128,
        vcpus: 1,
        kernel: { path: guest.kernel, initrd: guest.initrd, append: "console=ttyS0 quiet" },
        templateDisk: template,
        diskSizeMiB: 128,
        extraDisksMiB: [16],
        network: { mode: "user", hostfwd: [{ hostPort: port, guestPort: 80 }] },
      },
      onProgress,
    );
    expect(progress.at(-1)?.[0]).toBe(1);
    const [boot, data] = vm.disks;
    expect(boot?.path.startsWith(join(stateDir, "disks", vm.uuid))).toBe(true);
    const bootInfo = await imageInfo(boot?.path as string);
    expect(bootInfo).toMatchObject({ format: "qcow2", virtualSize: 128 * MiB, backingFilename: template });
    expect((await imageInfo(data?.path as string)).virtualSize).toBe(16 * MiB);
    expect(imageHasPattern(boot?.path as string, 0x5a), "the clone reads the template's data").toBe(true);

    await driver.startVm(vm.uuid);
    await waitForHttp();
    await writeGuestDisk(vm.qmpAdminSocket, "disk0", 0x77);
    expect(imageHasPattern(boot?.path as string, 0x77)).toBe(true);
    expect(imageHasPattern(template, 0x5a), "writes go to the clone, not the template").toBe(true);
  });

  it("changes the guest's memory through the balloon, visible in inventory and metrics", async () => {
    const actual = await driver.setMemory(vm.uuid, 96, onProgress);
    expect(Math.abs(actual - 96 * MiB)).toBeLessThan(MiB);
    expect((await driver.inventory()).find((w) => w.id === vm.uuid)?.memoryBytes).toBe(actual);
    expect(rec.deltas.at(-1)?.delta.changed[0]?.memoryBytes).toBe(actual);
    await driver.sample(Date.now());
    await sleep(700);
    const [sample] = await driver.sample(Date.now());
    expect(sample?.memTotalBytes).toBe(actual);
    await expect(driver.setMemory(vm.uuid, 512)).rejects.toThrow(/16\.\.128 MiB/);
    expect(await driver.setMemory(vm.uuid, 128)).toBe(128 * MiB);
    expect(await httpText(url, 5000)).toContain("flotilla test guest");
  });

  it("takes a snapshot with RAM, reverts a change to it, lists and deletes it", async () => {
    await writeGuestDisk(vm.qmpAdminSocket, "disk0", 0x11);
    progress.length = 0;
    const snap = await driver.createSnapshot(vm.uuid, "before", onProgress);
    expect(snap).toMatchObject({ name: "before" });
    expect(snap.vmStateBytes, "RAM and device state are saved too").toBeGreaterThan(1 * MiB);
    expect(progress.at(-1)).toEqual([1, "snapshot before taken"]);
    await expect(driver.createSnapshot(vm.uuid, "before")).rejects.toThrow(/has a snapshot before/);

    await writeGuestDisk(vm.qmpAdminSocket, "disk0", 0x22);
    expect(imageHasPattern(vm.disks[0]?.path as string, 0x22)).toBe(true);
    await driver.revertSnapshot(vm.uuid, "before", onProgress);
    expect(imageHasPattern(vm.disks[0]?.path as string, 0x11), "the disk is back as it was").toBe(true);
    expect((await driver.inventory()).find((w) => w.id === vm.uuid)?.state).toBe("running");
    expect(await httpText(url, 5000), "the guest continues from the saved RAM").toContain("flotilla test guest");

    expect((await driver.listSnapshots(vm.uuid)).map((s) => s.name)).toEqual(["before"]);
    await driver.deleteSnapshot(vm.uuid, "before");
    expect(await driver.listSnapshots(vm.uuid)).toEqual([]);
    await expect(driver.revertSnapshot(vm.uuid, "before")).rejects.toThrow(/no snapshot before/);
  });

  it("reboots the guest (system_reset): it boots again and serves again", async () => {
    const boots = () => readFileSync(vm.consoleLog, "utf8").split("flotilla-guest ready").length - 1;
    const before = boots();
    await driver.rebootVm(vm.uuid);
    await waitFor(() => boots() > before, 90_000);
    await waitForHttp();
    expect((await driver.inventory()).find((w) => w.id === vm.uuid)?.state).toBe("running");
  });

  it("snapshots a stopped VM's disks with qemu-img, and reverts them", async () => {
    await driver.stopVm(vm.uuid, true);
    const snap = await driver.createSnapshot(vm.uuid, "cold");
    expect(snap.vmStateBytes).toBe(0);
    writeImage(vm.disks[0]?.path as string, 0x33);
    await driver.revertSnapshot(vm.uuid, "cold");
    expect(imageHasPattern(vm.disks[0]?.path as string, 0x11)).toBe(true);
    await driver.deleteSnapshot(vm.uuid, "cold");
    expect(await driver.listSnapshots(vm.uuid)).toEqual([]);
  });

  it("clones a stopped VM in full and linked; deletes VMs with their disks, never a disk still in use", async () => {
    progress.length = 0;
    const full = await driver.cloneVm(vm.uuid, { name: "clone-full", mode: "full" }, onProgress);
    expect(full.uuid).not.toBe(vm.uuid);
    expect(full.mac).toBeUndefined();
    expect(progress.at(-1)?.[0]).toBe(1);
    const fullDisk = full.disks[0]?.path as string;
    expect((await imageInfo(fullDisk)).backingFilename, "a full clone stands alone").toBeUndefined();
    expect(imageHasPattern(fullDisk, 0x11)).toBe(true);

    await expect(driver.cloneVm(vm.uuid, { name: "clone-linked", mode: "linked" })).rejects.toThrow(/not a template/);
    await driver.convertToTemplate(vm.uuid);
    await expect(driver.startVm(vm.uuid)).rejects.toThrow(/is a template/);
    const linked = await driver.cloneVm(vm.uuid, { name: "clone-linked", mode: "linked" });
    const linkedDisk = linked.disks[0]?.path as string;
    expect((await imageInfo(linkedDisk)).backingFilename).toBe(vm.disks[0]?.path);
    expect(imageHasPattern(linkedDisk, 0x11)).toBe(true);

    // The linked clone runs (same hostfwd port as its template, which cannot run).
    await driver.startVm(linked.uuid);
    await waitForHttp();
    const [linkedWorkload] = (await driver.inventory()).filter((w) => w.id === linked.uuid);
    expect(linkedWorkload?.state).toBe("running");
    await driver.stopVm(linked.uuid, true);
    expect(runningQemuPids(stateDir)).toEqual([]);

    await expect(driver.removeVm(vm.uuid, { deleteDisks: true })).rejects.toThrow(/used by VM clone-linked/);
    expect(existsSync(vm.disks[0]?.path as string)).toBe(true);
    await driver.removeVm(linked.uuid, { deleteDisks: true });
    expect(existsSync(linkedDisk)).toBe(false);
    await driver.removeVm(vm.uuid, { deleteDisks: true });
    await driver.removeVm(full.uuid, { deleteDisks: true });
    for (const disk of [...vm.disks, ...full.disks]) expect(existsSync(disk.path)).toBe(false);
    expect(existsSync(join(stateDir, "disks", vm.uuid))).toBe(false);
    expect(imageHasPattern(template, 0x5a), "the template disk is the caller's and stays").toBe(true);
    expect(await driver.inventory()).toEqual([]);
  });
});
