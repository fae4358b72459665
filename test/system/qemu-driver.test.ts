// The qemu driver against real QEMU (TCG, no KVM here): a QMP-only QEMU for the protocol, then
// the tiny test guest (kernel + busybox initramfs with httpd and acpid) for inventory, metrics,
// events, a driver restart and a power-off from outside. At most one guest runs at a time.
import { join } from "node:path";
import { type Sample, sampleSchema } from "@flotilla/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createQemuDriver,
  type QemuDriver,
  type VmDefinition,
  VmError,
} from "../../apps/agent/src/drivers/qemu/index.js";
import { createSilentLogger } from "../../apps/agent/src/logger.js";
import { freePort } from "../support/postgres.js";
import {
  createDisk,
  ensureGuest,
  hasQemu,
  janitor,
  newVmStateDir,
  qmpOnce,
  RecordingListener,
  runningQemuPids,
  waitForProcessExit,
} from "../support/qemu.js";
import { waitFor } from "../support/wait-for.js";

const MiB = 1024 * 1024;
/** The agent's collection interval these tests hold the driver to. */
const INTERVAL_MS = 1000;
const logger = createSilentLogger();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => {
  if (!hasQemu()) throw new Error("qemu-system-x86_64 is missing: apt-get install qemu-system-x86 qemu-utils");
});
afterAll(() => janitor.cleanAll());

async function httpText(url: string, timeoutMs = 1000): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

describe("qemu driver on a QMP-only QEMU (-machine none)", () => {
  it("starts, pauses, resumes, sees outside commands, stops with the quit fallback, notices a kill", async () => {
    const stateDir = newVmStateDir();
    const rec = new RecordingListener();
    const driver = createQemuDriver({ stateDir, logger, powerdownTimeoutMs: 300 });
    await driver.start(rec);
    try {
      const def = await driver.createVm({ name: "qmp-only", machine: "none", memoryMiB: 32, labels: { suite: "qmp" } });
      await expect(driver.createVm({ name: "qmp-only", machine: "none" })).rejects.toThrow(/exists/);
      const t0 = performance.now();
      await driver.startVm(def.uuid);
      const startMs = performance.now() - t0;
      expect(await driver.inventory()).toEqual([
        expect.objectContaining({ id: def.uuid, state: "running", driver: "qemu", kind: "vm", memoryBytes: 32 * MiB }),
      ]);
      expect(runningQemuPids(stateDir)).toHaveLength(1);

      await driver.pauseVm(def.uuid);
      expect((await driver.inventory())[0]?.state).toBe("paused");
      await driver.resumeVm(def.uuid);
      expect((await driver.inventory())[0]?.state).toBe("running");

      // An operator pauses through the second monitor while the driver holds the first.
      let from = rec.deltas.length;
      await qmpOnce(def.qmpAdminSocket, "stop");
      await rec.waitForState(def.uuid, "paused", INTERVAL_MS, from);
      from = rec.deltas.length;
      await qmpOnce(def.qmpAdminSocket, "cont");
      await rec.waitForState(def.uuid, "running", INTERVAL_MS, from);

      // No ACPI on machine none: the power button goes unanswered and quit follows the timeout.
      await driver.stopVm(def.uuid);
      expect((await driver.inventory())[0]?.state).toBe("stopped");
      expect(runningQemuPids(stateDir)).toEqual([]);

      // Killed from outside: reported as an unexpected exit.
      await driver.startVm(def.uuid);
      const [pid] = runningQemuPids(stateDir);
      from = rec.deltas.length;
      process.kill(pid as number, "SIGKILL");
      await rec.waitForState(def.uuid, "stopped", INTERVAL_MS * 4, from);

      expect(rec.eventKinds(def.uuid)).toEqual([
        "workload.created",
        "workload.started",
        "workload.paused",
        "workload.resumed",
        "workload.paused",
        "workload.resumed",
        "workload.stopped",
        "workload.started",
        "workload.exited",
      ]);
      const stopped = rec.events.find((e) => e.event.kind === "workload.stopped")?.event;
      expect(stopped?.message).toMatch(/told to quit/);

      await driver.removeVm(def.uuid);
      expect(await driver.inventory()).toEqual([]);
      expect(rec.deltas.at(-1)?.delta.removed).toEqual([def.uuid]);
      console.info(`QMP-only QEMU: createVm..running in ${startMs.toFixed(0)} ms`);
    } finally {
      await driver.stop();
      janitor.clean(stateDir);
    }
  });

  it("shows a VM whose monitor another client holds as unknown, and attaches once it is free", async () => {
    const stateDir = newVmStateDir();
    const first = createQemuDriver({ stateDir, logger });
    await first.start(new RecordingListener());
    const rec = new RecordingListener();
    const second = createQemuDriver({ stateDir, logger, attachTimeoutMs: 300 });
    try {
      const def = await first.createVm({ name: "held", machine: "none", memoryMiB: 32 });
      await first.startVm(def.uuid);
      // A second agent on the same state dir (a mistake, or an old one still stopping).
      await second.start(rec);
      expect((await second.inventory())[0]?.state).toBe("unknown");
      await expect(second.stopVm(def.uuid)).rejects.toThrow(/only a forced stop/);
      await first.stop();
      await waitFor(async () => {
        await second.sample(Date.now());
        return (await second.inventory())[0]?.state === "running";
      }, 5000);
      expect(rec.deltas.at(-1)?.delta.changed[0]?.state).toBe("running");
      await second.stopVm(def.uuid, true);
      expect(runningQemuPids(stateDir)).toEqual([]);
    } finally {
      await first.stop();
      await second.stop();
      janitor.clean(stateDir);
    }
  });

  it("reports QEMU's own message when a VM cannot start", async () => {
    const stateDir = newVmStateDir();
    const driver = createQemuDriver({ stateDir, logger });
    await driver.start(new RecordingListener());
    try {
      const def = await driver.createVm({ name: "no-kernel", kernel: { path: "/nonexistent/vmlinuz" } });
      const error = await driver.startVm(def.uuid).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VmError);
      expect((error as VmError).message).toMatch(/nonexistent\/vmlinuz/);
      expect((await driver.inventory())[0]?.state).toBe("stopped");
    } finally {
      await driver.stop();
      janitor.clean(stateDir);
    }
  });
});

describe("qemu driver with the test guest", () => {
  let stateDir: string;
  let driver: QemuDriver;
  let rec: RecordingListener;
  let def: VmDefinition;
  let url: string;

  beforeAll(async () => {
    stateDir = newVmStateDir();
    const guest = ensureGuest();
    const port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    rec = new RecordingListener();
    driver = createQemuDriver({ stateDir, logger, balloonStatsIntervalS: 1 });
    await driver.start(rec);
    def = await driver.createVm({
      name: "guest-1",
      vcpus: 2,
      memoryMiB: 160,
      kernel: { path: guest.kernel, initrd: guest.initrd, append: "console=ttyS0 quiet" },
      disks: [{ path: createDisk(join(stateDir, "data.qcow2")) }],
      network: { mode: "user", hostfwd: [{ hostPort: port, guestPort: 80 }] },
      labels: { role: "web" },
    });
  });

  afterAll(async () => {
    await driver?.stop();
    if (stateDir) janitor.clean(stateDir);
  });

  it("boots: running with its vcpus and memory, httpd answers through hostfwd, metrics while booting", async () => {
    const t0 = Date.now();
    await driver.startVm(def.uuid);
    const [vm] = await driver.inventory();
    expect(vm).toMatchObject({
      id: def.uuid,
      name: "guest-1",
      state: "running",
      vcpus: 2,
      memoryBytes: 160 * MiB,
      image: join(stateDir, "data.qcow2"),
      labels: { role: "web" },
      ports: [{ hostIp: "127.0.0.1", hostPort: Number(new URL(url).port), containerPort: 80, protocol: "tcp" }],
    });
    expect(vm?.startedAt).toBeGreaterThanOrEqual(t0 - 1000);

    // Sample every interval while the guest boots, until its httpd answers.
    const samples: Sample[] = [];
    let page: string | undefined;
    while (!page && Date.now() - t0 < 90_000) {
      await sleep(INTERVAL_MS);
      samples.push(...(await driver.sample(Date.now())));
      page = await httpText(url, 500);
    }
    const bootMs = Date.now() - t0;
    expect(page).toContain("flotilla test guest");
    expect(samples.length).toBeGreaterThan(0);
    for (const s of samples) {
      expect(sampleSchema.parse(s)).toMatchObject({ target: { kind: "vm", id: def.uuid }, memTotalBytes: 160 * MiB });
    }
    expect(Math.max(...samples.map((s) => s.cpuCores)), "booting under TCG keeps a core busy").toBeGreaterThan(0.2);
    expect(Math.max(...samples.map((s) => s.diskReadBps)), "the kernel probes the virtio disk").toBeGreaterThan(0);

    // The guest's balloon driver reports its free memory: used drops below what it was given.
    let last: Sample | undefined;
    await waitFor(
      async () => {
        await sleep(INTERVAL_MS);
        last = (await driver.sample(Date.now()))[0];
        return last !== undefined && last.memUsedBytes > 0 && last.memUsedBytes < 160 * MiB;
      },
      15_000,
      () => JSON.stringify(last),
    );

    // What one tick costs the agent for this VM.
    const t1 = performance.now();
    for (let i = 0; i < 20; i++) await driver.sample(Date.now());
    const tickMs = (performance.now() - t1) / 20;
    console.info(
      `test guest: HTTP up ${bootMs} ms after startVm; sample() ${tickMs.toFixed(2)} ms per tick; ` +
        `idle ${last?.cpuCores.toFixed(3)} cores, ${((last?.memUsedBytes ?? 0) / MiB).toFixed(0)} MiB used`,
    );
  });

  it("reports pause and resume as events and deltas; a paused guest does not answer", async () => {
    let from = rec.deltas.length;
    await driver.pauseVm(def.uuid);
    await rec.waitForState(def.uuid, "paused", INTERVAL_MS, from);
    expect(await httpText(url, 1000)).toBeUndefined();
    from = rec.deltas.length;
    await driver.resumeVm(def.uuid);
    await rec.waitForState(def.uuid, "running", INTERVAL_MS, from);
    expect(await httpText(url, 5000)).toContain("flotilla test guest");
    expect(rec.eventKinds(def.uuid).slice(-2)).toEqual(["workload.paused", "workload.resumed"]);
  });

  it("is found again, still running, by a new driver instance on the same state dir", async () => {
    const before = (await driver.inventory())[0];
    await driver.stop();
    expect(runningQemuPids(stateDir), "VMs outlive the driver").toHaveLength(1);

    rec = new RecordingListener();
    driver = createQemuDriver({ stateDir, logger, balloonStatsIntervalS: 1 });
    await driver.start(rec);
    const [again] = await driver.inventory();
    expect(again).toEqual(before);
    await sleep(INTERVAL_MS);
    const [sample] = await driver.sample(Date.now());
    expect(sample).toMatchObject({ target: { kind: "vm", id: def.uuid }, memTotalBytes: 160 * MiB });
    expect(await httpText(url, 5000)).toContain("flotilla test guest");
  });

  it("shows a power-off sent from outside (QMP system_powerdown) as a delta within one interval", async () => {
    const from = rec.deltas.length;
    const [pid] = runningQemuPids(stateDir);
    const sent = Date.now();
    await qmpOnce(def.qmpAdminSocket, "system_powerdown");
    // The guest takes its time to react; the driver must report within an interval of the VM being gone.
    const goneAt = await waitForProcessExit(pid as number, 30_000);
    const seen = await rec.waitForState(def.uuid, "stopped", INTERVAL_MS, from);
    console.info(`guest powered off ${goneAt - sent} ms after system_powerdown; delta ${seen - goneAt} ms after exit`);
    expect(seen - goneAt).toBeLessThan(INTERVAL_MS);
    expect(rec.events.at(-1)?.event).toMatchObject({
      kind: "workload.stopped",
      workloadId: def.uuid,
      message: "guest-1 stopped: the guest powered off",
    });
    expect(await driver.sample(Date.now())).toEqual([]);
    expect((await driver.inventory())[0]?.state).toBe("stopped");
  });
});
