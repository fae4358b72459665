// The libvirt driver against a real libvirtd running the test guest under TCG: a domain defined
// from outside appears, the driver starts it, metrics flow while it boots, a suspend from
// outside arrives as an event-driven delta, an ACPI stop powers it off, undefining removes it;
// then domains made through vm.create (an overlay on a template disk), vm.clone and vm.delete.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Sample, sampleSchema } from "@flotilla/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandHandlerContext } from "../../apps/agent/src/commands/handler.js";
import { createLibvirtDriver, detectLibvirt, type LibvirtDriver } from "../../apps/agent/src/drivers/libvirt/index.js";
import { createSilentLogger } from "../../apps/agent/src/logger.js";
import {
  createDisk,
  ensureGuest,
  ensureLibvirtd,
  guestDomainXml,
  janitor,
  newVmStateDir,
  RecordingListener,
  virsh,
} from "../support/qemu.js";

const MiB = 1024 * 1024;
const INTERVAL_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("libvirt driver with a real libvirtd", () => {
  let libvirtd: Awaited<ReturnType<typeof ensureLibvirtd>>;
  let driver: LibvirtDriver;
  let rec: RecordingListener;
  let dir: string;
  let xml: string;
  const name = `flt-test-${process.pid}-${Date.now().toString(36)}`;
  let uuid: string;
  let guest: ReturnType<typeof ensureGuest>;

  beforeAll(async () => {
    libvirtd = await ensureLibvirtd();
    dir = newVmStateDir();
    // libvirt's QEMU runs as libvirt-qemu: it must reach the disk (libvirt chowns the file, not the dir).
    chmodSync(dir, 0o711);
    guest = ensureGuest();
    xml = join(dir, "domain.xml");
    const disk = createDisk(join(dir, "disk.qcow2"));
    writeFileSync(xml, guestDomainXml({ name, ...guest, disk, memoryMiB: 128 }));
    rec = new RecordingListener();
    driver = createLibvirtDriver({
      logger: createSilentLogger(),
      uri: libvirtd.uri,
      shutdownTimeoutMs: 30_000,
      diskDir: join(dir, "disks"),
    });
    await driver.start(rec);
  });

  afterAll(async () => {
    await driver?.stop();
    for (const args of [
      ["destroy", name],
      ["undefine", name],
      ...[`${name}-new`, `${name}-copy`].flatMap((n) => [
        ["destroy", n],
        ["undefine", n, "--snapshots-metadata"],
      ]),
    ]) {
      try {
        virsh(...args);
      } catch {
        // not running / not defined: fine
      }
    }
    if (dir) janitor.clean(dir);
    libvirtd?.stop();
  });

  it("is detected", async () => {
    expect(await detectLibvirt(libvirtd.uri)).toBe(true);
    expect(await detectLibvirt("qemu:///nonexistent")).toBe(false);
  });

  it("shows a domain defined from outside, then starts it: running, its size, metrics while booting", async () => {
    virsh("define", xml);
    uuid = virsh("domuuid", name).trim();
    await rec.waitForState(uuid, "stopped", 5000);
    expect(rec.eventKinds(uuid)).toEqual(["workload.created"]);

    await driver.startWorkload(uuid);
    const vm = (await driver.inventory()).find((w) => w.id === uuid);
    expect(vm).toMatchObject({ name, state: "running", driver: "libvirt", vcpus: 1, memoryBytes: 128 * MiB });
    expect(vm?.image).toBe(join(dir, "disk.qcow2"));

    const samples: Sample[] = [];
    for (let i = 0; i < 8; i++) {
      await sleep(INTERVAL_MS);
      samples.push(...(await driver.sample(Date.now())).filter((s) => "id" in s.target && s.target.id === uuid));
    }
    expect(samples.length).toBeGreaterThan(5);
    for (const s of samples) expect(sampleSchema.parse(s).memTotalBytes).toBe(128 * MiB);
    expect(Math.max(...samples.map((s) => s.cpuCores)), "booting keeps a core busy").toBeGreaterThan(0.2);
    expect(Math.max(...samples.map((s) => s.diskReadBps)), "the kernel probes the disk").toBeGreaterThan(0);
    // The guest's balloon driver reports (stats period 1 s): used falls below what it was given.
    expect(samples.at(-1)?.memUsedBytes).toBeLessThan(128 * MiB);

    const t0 = performance.now();
    for (let i = 0; i < 10; i++) await driver.sample(Date.now());
    console.info(`libvirt: sample() ${((performance.now() - t0) / 10).toFixed(1)} ms per tick (one virsh domstats)`);
  });

  it("reports a suspend and resume done from outside as deltas within one interval", async () => {
    // Measured from when virsh returns, i.e. when libvirt has made the change.
    let from = rec.deltas.length;
    virsh("suspend", name);
    let done = Date.now();
    expect((await rec.waitForState(uuid, "paused", 5000, from)) - done).toBeLessThan(INTERVAL_MS);
    from = rec.deltas.length;
    virsh("resume", name);
    done = Date.now();
    expect((await rec.waitForState(uuid, "running", 5000, from)) - done).toBeLessThan(INTERVAL_MS);
    expect(rec.eventKinds(uuid).slice(-2)).toEqual(["workload.paused", "workload.resumed"]);
  });

  it("pauses, resumes, balloons, snapshots (create, list, revert, delete) and reboots through vm.* commands", async () => {
    const h = driver.commandHandlers();
    const run = async <N extends keyof typeof h>(name: N, payload: Record<string, unknown>) => {
      const handler = h[name];
      if (!handler) throw new Error(`the libvirt driver has no ${name}`);
      return handler(payload as never, commandContext());
    };
    const stateNow = async () => (await driver.inventory()).find((w) => w.id === uuid)?.state;

    await run("vm.pause", { workloadId: uuid });
    expect(virsh("domstate", name).trim()).toBe("paused");
    expect(await stateNow()).toBe("paused");
    await expect(run("vm.reboot", { workloadId: uuid })).rejects.toThrow(/is paused, not running/);
    await run("vm.resume", { workloadId: uuid });
    expect(virsh("domstate", name).trim()).toBe("running");
    await expect(run("vm.resume", { workloadId: uuid })).rejects.toThrow(/is not paused/);

    // The balloon: 96 of the 128 MiB it was given; more than that is refused before virsh runs.
    expect(await run("vm.set_memory", { workloadId: uuid, memoryMiB: 96 })).toEqual({
      memoryMiB: 96,
      memoryBytes: 96 * MiB,
    });
    await waitUntil(() => /actual 98304/.test(virsh("dommemstat", name)), 15_000);
    await expect(run("vm.set_memory", { workloadId: uuid, memoryMiB: 256 })).rejects.toThrow(/at most/);

    const created = (await run("vm.snapshot.create", { workloadId: uuid, name: "snap-1" })) as {
      snapshot: { name: string; withMemory: boolean; createdAt: number };
    };
    expect(created.snapshot).toMatchObject({ name: "snap-1", withMemory: true });
    expect(Math.abs(created.snapshot.createdAt - Date.now())).toBeLessThan(120_000);
    expect(virsh("snapshot-list", name, "--name").trim()).toBe("snap-1");
    const listed = (await run("vm.snapshot.list", { workloadId: uuid })) as { snapshots: Array<{ name: string }> };
    expect(listed.snapshots.map((s) => s.name)).toEqual(["snap-1"]);
    await expect(run("vm.snapshot.create", { workloadId: uuid, name: "snap-1" })).rejects.toThrow(/snap-1/);

    await run("vm.snapshot.revert", { workloadId: uuid, name: "snap-1" });
    expect(virsh("domstate", name).trim()).toBe("running");
    await run("vm.snapshot.delete", { workloadId: uuid, name: "snap-1" });
    expect(virsh("snapshot-list", name, "--name").trim()).toBe("");
    expect(((await run("vm.snapshot.list", { workloadId: uuid })) as { snapshots: unknown[] }).snapshots).toEqual([]);
    await expect(run("vm.snapshot.revert", { workloadId: uuid, name: "snap-1" })).rejects.toThrow(/snap-1/);

    // ACPI reboot: the guest powers itself off and libvirt starts it again, in the same domain.
    await run("vm.reboot", { workloadId: uuid });
    await sleep(2000);
    expect(virsh("domstate", name).trim()).toBe("running");
    await expect(run("vm.pause", { workloadId: "00000000-0000-4000-8000-000000000000" })).rejects.toThrow(
      /no libvirt domain/,
    );
  });

  it("powers the guest off at once (destroy) and starts it again", async () => {
    const h = driver.commandHandlers();
    await h["vm.poweroff"]?.({ workloadId: uuid }, commandContext());
    expect(virsh("domstate", name).trim()).toBe("shut off");
    expect((await driver.inventory()).find((w) => w.id === uuid)?.state).toBe("stopped");
    await h["vm.start"]?.({ workloadId: uuid }, commandContext());
    expect(virsh("domstate", name).trim()).toBe("running");
    await sleep(12_000); // its acpid must be up for the ACPI stop next
  });

  it("stops the guest through ACPI and sees the domain undefined", async () => {
    await driver.stopWorkload(uuid, false);
    expect((await driver.inventory()).find((w) => w.id === uuid)?.state).toBe("stopped");
    expect(rec.eventKinds(uuid).at(-1)).toBe("workload.stopped");

    const from = rec.deltas.length;
    virsh("undefine", name);
    await waitForRemoval(rec, uuid, from);
    expect((await driver.inventory()).some((w) => w.id === uuid)).toBe(false);
  });

  it("creates a domain from a template disk, clones it in full, deletes both with their disks", async () => {
    const h = driver.commandHandlers();
    const progress: string[] = [];
    const ctx = { ...commandContext(), progress: (_f: number | undefined, m: string) => void progress.push(m) };
    const run = async <N extends keyof typeof h>(command: N, payload: Record<string, unknown>) => {
      const handler = h[command];
      if (!handler) throw new Error(`the libvirt driver has no ${command}`);
      return handler(payload as never, ctx);
    };
    const template = createDisk(join(dir, "template.qcow2"), 32);
    const newName = `${name}-new`;
    const create = {
      name: newName,
      templateDisk: template,
      vcpus: 2,
      memoryMiB: 160,
      diskSizeMiB: 48,
      extraDisksMiB: [8],
      network: { mode: "user", hostfwd: [] },
      kernel: { path: guest.kernel, initrd: guest.initrd, append: "console=ttyS0 quiet" },
      labels: {},
      start: true,
    };
    await expect(run("vm.create", { ...create, diskSizeMiB: 16 })).rejects.toThrow(/below the template's 32 MiB/);
    await expect(run("vm.create", { ...create, templateDisk: join(dir, "absent.qcow2") })).rejects.toThrow(
      /template disk/,
    );

    const created = (await run("vm.create", create)) as { workloadId: string; name: string; started: boolean };
    expect(created).toMatchObject({ name: newName, started: true });
    expect(progress).toContain(`cloning ${template}`);
    await expect(run("vm.create", create)).rejects.toThrow(/exists already/);
    const id = created.workloadId;
    expect(virsh("domuuid", newName).trim()).toBe(id);
    expect(virsh("domstate", newName).trim()).toBe("running");
    const vm = (await driver.inventory()).find((w) => w.id === id);
    expect(vm).toMatchObject({ state: "running", driver: "libvirt", vcpus: 2, memoryBytes: 160 * MiB });
    const boot = join(dir, "disks", id, "disk0.qcow2");
    expect(vm?.image).toBe(boot);
    const bootInfo = JSON.parse(execFileSync("qemu-img", ["info", "-U", "--output=json", boot], { encoding: "utf8" }));
    expect(bootInfo["backing-filename"]).toBe(template);
    expect(bootInfo["virtual-size"]).toBe(48 * MiB);
    expect(virsh("domblklist", newName)).toMatch(/vdb\s+\S+disk1\.qcow2/);

    await expect(run("vm.delete", { workloadId: id, deleteDisks: true })).rejects.toThrow(/stop it before deleting/);
    await expect(run("vm.clone", { workloadId: id, name: `${name}-copy`, mode: "full" })).rejects.toThrow(
      /stop it before cloning/,
    );
    await run("vm.poweroff", { workloadId: id });
    await expect(run("vm.clone", { workloadId: id, name: `${name}-copy`, mode: "linked" })).rejects.toThrow(
      /use a full clone/,
    );

    progress.length = 0;
    const cloned = (await run("vm.clone", { workloadId: id, name: `${name}-copy`, mode: "full" })) as {
      workloadId: string;
      name: string;
    };
    expect(cloned.name).toBe(`${name}-copy`);
    expect(progress.some((m) => m.startsWith("copying disk 1 of 2"))).toBe(true);
    const copyDisk = join(dir, "disks", cloned.workloadId, "disk0.qcow2");
    const copyInfo = JSON.parse(execFileSync("qemu-img", ["info", "--output=json", copyDisk], { encoding: "utf8" }));
    expect(copyInfo["backing-filename"], "a full copy stands alone").toBeUndefined();
    expect(virsh("domblklist", `${name}-copy`)).toContain(copyDisk);
    const macOf = (n: string) => virsh("domiflist", n).match(/52:54:00(:[0-9a-f]{2}){3}/)?.[0];
    expect(macOf(`${name}-copy`)).toMatch(/^52:54:00/);
    expect(macOf(`${name}-copy`), "a new MAC").not.toBe(macOf(newName));
    await run("vm.start", { workloadId: cloned.workloadId });
    expect(virsh("domstate", `${name}-copy`).trim()).toBe("running");
    await run("vm.poweroff", { workloadId: cloned.workloadId });

    // A snapshot's metadata goes with the domain; the disks go with deleteDisks; the template stays.
    await run("vm.snapshot.create", { workloadId: cloned.workloadId, name: "before-delete" });
    await run("vm.delete", { workloadId: cloned.workloadId, deleteDisks: true });
    expect(existsSync(copyDisk)).toBe(false);
    expect(existsSync(join(dir, "disks", cloned.workloadId))).toBe(false);
    expect(virsh("list", "--all", "--name")).not.toContain(`${name}-copy`);
    expect((await driver.inventory()).some((w) => w.id === cloned.workloadId)).toBe(false);

    await run("vm.delete", { workloadId: id, deleteDisks: true });
    expect(existsSync(boot)).toBe(false);
    expect(existsSync(template)).toBe(true);
    await expect(run("vm.delete", { workloadId: id, deleteDisks: true })).rejects.toThrow(/no libvirt domain/);
  });
});

/** What a command handler gets from the agent's runner; here the test is the runner. */
function commandContext(): CommandHandlerContext {
  return {
    commandId: `test-${Date.now()}`,
    deadline: Date.now() + 60_000,
    signal: new AbortController().signal,
    log: createSilentLogger(),
    progress: () => undefined,
    output: () => undefined,
    fetchBlob: () => Promise.reject(new Error("no blobs here")),
  };
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(200);
  }
}

async function waitForRemoval(rec: RecordingListener, id: string, from: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!rec.deltas.slice(from).some((d) => d.delta.removed.includes(id))) {
    if (Date.now() > deadline) throw new Error(`no removal delta for ${id}`);
    await sleep(50);
  }
}
