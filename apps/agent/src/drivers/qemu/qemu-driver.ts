/**
 * The `qemu` driver: VMs as daemonized QEMU processes controlled through QMP, the way Proxmox
 * does it. Definitions live in the state dir; QEMU outlives the agent, and a new driver finds
 * running VMs again through their pidfiles and monitors. State changes come from QMP events and
 * the monitor socket closing, so the agent sends deltas without polling. Operations on one VM
 * run one at a time (SerialQueue); the longer ones live in their own modules and report progress.
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { Sample, Workload } from "@flotilla/protocol";
import type { CommandHandlers } from "../../commands/handler.js";
import type { Logger } from "../../logger.js";
import type { Driver, DriverListener } from "../driver.js";
import { createVmCommandHandlers } from "./commands.js";
import type { IncomingResult, PrepareIncomingOptions } from "./migration-in.js";
import type { MigrateOutOptions } from "./migration-out.js";
import type { MigrationResult, MigrationSource, MigrationTarget, StorageMode } from "./migration-types.js";
import { VmMigrations } from "./migrations.js";
import { SerialQueue } from "./serial-queue.js";
import * as snapshots from "./snapshots.js";
import {
  type CloneOptions,
  cloneVm,
  createVmFromTemplate,
  type Provisioner,
  type TemplateVmSpec,
} from "./templates.js";
import { setBalloon } from "./vm-balloon.js";
import { defineVm, type VmDefinition, type VmSpec, vmSpecSchema } from "./vm-definition.js";
import { deleteVmDisks } from "./vm-disks.js";
import { type OnProgress, VmError } from "./vm-error.js";
import type { VmMonitor } from "./vm-monitor.js";
import { VmRegistry } from "./vm-registry.js";
import { shutDownQemu } from "./vm-shutdown.js";
import { loadDefinitions, removeVmFiles, saveDefinition } from "./vm-store.js";

export interface QemuDriverOptions {
  stateDir: string;
  logger: Logger;
  /** Where the driver creates disks (template clones, clones, migration copies); default `<stateDir>/disks`. */
  diskDir?: string;
  /** The system emulator: a name on PATH or a path. */
  qemuBinary?: string;
  /**
   * A command prefix QEMU (and the `ip` calls for its tap devices) run under, e.g.
   * `["ip", "netns", "exec", "host-b"]` for a host simulated in a network namespace.
   */
  launcher?: string[];
  /** How long a guest gets to power off after system_powerdown before stopVm quits QEMU. */
  powerdownTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** How long to wait for a running QEMU's monitor to greet when finding it again. */
  attachTimeoutMs?: number;
  balloonStatsIntervalS?: number;
  /** Roots of /proc, /sys and /dev/kvm: the real ones unless a test says otherwise. */
  procRoot?: string;
  sysRoot?: string;
  kvmDevice?: string;
}

const noProgress: OnProgress = () => undefined;

export class QemuDriver implements Driver {
  readonly name = "qemu" as const;
  private readonly registry: VmRegistry;
  private readonly queue = new SerialQueue();
  private readonly migrations: VmMigrations;
  private readonly log: Logger;
  private readonly diskDir: string;

  constructor(private readonly options: QemuDriverOptions) {
    this.log = options.logger.child({ driver: "qemu" });
    this.diskDir = options.diskDir ?? join(options.stateDir, "disks");
    this.registry = new VmRegistry({
      binary: options.qemuBinary ?? "qemu-system-x86_64",
      launcher: options.launcher ?? [],
      kvmDevice: options.kvmDevice,
      attachTimeoutMs: options.attachTimeoutMs ?? 5000,
      log: this.log,
      monitor: {
        logger: this.log,
        procRoot: options.procRoot ?? "/proc",
        sysRoot: options.sysRoot ?? "/sys",
        commandTimeoutMs: options.commandTimeoutMs ?? 10_000,
        balloonStatsIntervalS: options.balloonStatsIntervalS ?? 2,
      },
    });
    const { registry, queue, log, diskDir } = this;
    this.migrations = new VmMigrations({ registry, queue, log, diskDir, stateDir: options.stateDir });
  }

  /** Loads the definitions and re-attaches to every VM whose QEMU still runs. */
  async start(listener: DriverListener): Promise<void> {
    this.registry.stopped = false;
    for (const def of await loadDefinitions(this.options.stateDir, this.log)) {
      await this.registry.recover(this.registry.add(def));
    }
    await this.migrations.sweepOrphans();
    this.registry.listener = listener;
    this.log.info({ vms: this.registry.entries.size, running: this.registry.countRunning() }, "qemu driver started");
  }

  /** Lets go of the monitors. The VMs keep running: they are not the agent's children. */
  async stop(): Promise<void> {
    this.registry.stopped = true;
    this.registry.listener = undefined;
    for (const entry of this.registry.entries.values()) entry.monitor?.detach();
    this.registry.entries.clear();
    await this.migrations.abortAll();
  }

  async inventory(): Promise<Workload[]> {
    return [...this.registry.entries.values()].map((e) => this.registry.workload(e));
  }

  sample(ts: number): Promise<Sample[]> {
    return this.registry.sample(ts);
  }

  /** Defines a VM (stopped) on disks the caller provides; it starts with `startVm`. */
  async createVm(spec: VmSpec): Promise<VmDefinition> {
    const parsed = vmSpecSchema.safeParse(spec);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new VmError("invalid", `invalid VM: ${issue?.path.join(".") || "spec"}: ${issue?.message}`);
    }
    const uuid = parsed.data.uuid ?? randomUUID();
    this.registry.assertUnique(parsed.data.name, uuid);
    const def = defineVm(parsed.data, uuid, this.options.stateDir, Date.now());
    await saveDefinition(this.options.stateDir, def);
    const entry = this.registry.add(def);
    this.registry.emit(entry, { kind: "workload.created", workloadId: uuid, message: `${def.name} created` });
    return structuredClone(def);
  }

  /** Defines a VM whose first disk is a backing-file clone of a template disk, plus blank data disks. */
  createVmFromTemplate(spec: TemplateVmSpec, onProgress = noProgress): Promise<VmDefinition> {
    return createVmFromTemplate(this.provisioner(), spec, onProgress);
  }

  /** A new VM (new uuid, name and MAC) with copies of a stopped VM's disks, or overlays on a template VM's. */
  cloneVm(uuid: string, clone: CloneOptions, onProgress = noProgress, signal?: AbortSignal): Promise<VmDefinition> {
    return this.queue.run(uuid, () =>
      cloneVm(this.provisioner(), this.registry.findStopped(uuid).def, clone, onProgress, signal),
    );
  }

  /** Makes a stopped VM a template: never started again, the read-only base of linked clones. */
  convertToTemplate(uuid: string): Promise<VmDefinition> {
    return this.queue.run(uuid, async () => {
      const entry = this.registry.findStopped(uuid);
      entry.def = { ...entry.def, template: true };
      await saveDefinition(this.options.stateDir, entry.def);
      this.registry.emit(entry, undefined);
      return structuredClone(entry.def);
    });
  }

  getVm(uuid: string): VmDefinition | undefined {
    const def = this.registry.entries.get(uuid)?.def;
    return def ? structuredClone(def) : undefined;
  }

  /** Starts QEMU for a defined VM; resolves once QMP answers. Starting a running VM does nothing. */
  startVm(uuid: string): Promise<void> {
    return this.queue.run(uuid, async () => {
      const entry = this.registry.find(uuid);
      if (entry.monitor && !entry.monitor.exited) return;
      if (entry.def.template) throw new VmError("conflict", `${entry.def.name} is a template; clone it to run it`);
      if (entry.state === "unknown" && (await this.registry.recover(entry)) === "unreachable")
        throw new VmError("unavailable", `${entry.def.name}: QEMU runs but its QMP monitor does not answer`);
      if (entry.monitor) return;
      const started = Date.now();
      const pid = await this.registry.launch(entry.def);
      try {
        await this.registry.attach(entry, pid, 10_000);
      } catch (error) {
        process.kill(pid, "SIGKILL");
        throw new VmError("failed", `${entry.def.name}: QMP did not answer after start`, { cause: error });
      }
      this.log.info({ vm: entry.def.name, pid, ms: Date.now() - started }, "VM started");
    });
  }

  /**
   * Stops a VM: ACPI power-off (system_powerdown), then `quit` if the guest has not powered off
   * within `timeoutMs`; `force` quits at once (power off). Resolves when the QEMU process is gone.
   */
  stopVm(uuid: string, force = false, timeoutMs = this.options.powerdownTimeoutMs ?? 60_000): Promise<void> {
    return this.queue.run(uuid, async () => {
      const entry = this.registry.find(uuid);
      const monitor = entry.monitor;
      if (!monitor || monitor.exited) return this.registry.stopUnreachable(entry, force);
      const { procRoot } = this.registry.options.monitor;
      await shutDownQemu(monitor, {
        graceful: !force,
        timeoutMs,
        procRoot,
        logger: this.log.child({ vm: entry.def.name }),
      });
      await this.registry.onExit(entry, entry.generation);
    });
  }

  /** Pauses the guest's vCPUs (QMP `stop`). */
  pauseVm(uuid: string): Promise<void> {
    return this.runCommand(uuid, "stop", "STOP");
  }

  /** Resumes a paused guest (QMP `cont`). */
  resumeVm(uuid: string): Promise<void> {
    return this.runCommand(uuid, "cont", "RESUME");
  }

  /** Hard reset, like the reset button (QMP `system_reset`): the guest reboots without shutting down. */
  rebootVm(uuid: string): Promise<void> {
    return this.runCommand(uuid, "system_reset", "RESET");
  }

  /**
   * Sets the memory the guest has, through the balloon (up to the memoryMiB it started with);
   * resolves with what the guest gave back or took once it has settled, or after `timeoutMs`.
   */
  setMemory(uuid: string, memoryMiB: number, onProgress = noProgress, timeoutMs = 30_000): Promise<number> {
    return this.queue.run(uuid, async () => {
      const entry = this.registry.findRunning(uuid);
      const actual = await setBalloon(entry.monitor, memoryMiB, onProgress, timeoutMs);
      this.registry.emit(entry, undefined); // the inventory's memoryBytes follows the balloon
      return actual;
    });
  }

  /**
   * Deletes a stopped VM's definition and files; with `deleteDisks`, its writable disks too
   * (refused while another VM reads one of them, e.g. as a linked clone's backing file).
   */
  removeVm(uuid: string, options: { deleteDisks?: boolean } = {}): Promise<void> {
    return this.queue.run(uuid, async () => {
      const entry = this.registry.findStopped(uuid);
      if (options.deleteDisks) await deleteVmDisks(entry.def, this.otherDefs(uuid), this.diskDir);
      await removeVmFiles(this.options.stateDir, entry.def);
      this.registry.forget(entry, `${entry.def.name} removed`);
    });
  }

  /** Snapshot `name`: RAM, devices and disks while running (the guest pauses meanwhile), disks while stopped. */
  createSnapshot(uuid: string, name: string, onProgress = noProgress) {
    return this.onVm(uuid, (def, m) => snapshots.createSnapshot(def, m, name, onProgress));
  }

  listSnapshots(uuid: string) {
    return this.onVm(uuid, (def, m) => snapshots.listSnapshots(def, m));
  }

  /** Back to snapshot `name`: a running VM continues from its RAM; a stopped one gets its disks back. */
  revertSnapshot(uuid: string, name: string, onProgress = noProgress) {
    return this.onVm(uuid, (def, m) => snapshots.revertSnapshot(def, m, name, onProgress));
  }

  deleteSnapshot(uuid: string, name: string, onProgress = noProgress) {
    return this.onVm(uuid, (def, m) => snapshots.deleteSnapshot(def, m, name, onProgress));
  }

  /** Migration step 1, on the source: what the target needs to prepare (definition, disk sizes). */
  migrationSource(uuid: string): Promise<MigrationSource> {
    return this.migrations.source(uuid);
  }

  /**
   * Migration step 2, on the target: a QEMU from the same definition waiting with `-incoming`
   * (and an NBD server when the disks are copied). The VM joins this host's inventory on arrival.
   */
  prepareIncoming(source: MigrationSource, options: PrepareIncomingOptions): Promise<MigrationTarget> {
    return this.migrations.prepareIncoming(source, options);
  }

  /**
   * Migration step 3, on the source: sends the running VM to the target. On success the VM waits
   * here, paused, for finishSource; on failure or cancel it keeps running here and the VmError
   * says why.
   */
  migrateOut(uuid: string, options: MigrateOutOptions): Promise<MigrationResult> {
    return this.migrations.migrateOut(uuid, options);
  }

  /**
   * Migration step 4, on the target: resolves once the VM runs here; rejects with why it did not
   * arrive (a NotConfirmedError when it arrived but did not run, and was removed here).
   */
  awaitIncoming(uuid: string): Promise<IncomingResult> {
    return this.migrations.awaitIncoming(uuid);
  }

  /**
   * Migration step 5, on the source: confirmed, the VM is removed from this host (QEMU quit,
   * definition removed, copied disks deleted); failed, it resumes here.
   */
  finishSource(uuid: string, outcome: "confirmed" | "failed", storage: StorageMode): Promise<{ status: string }> {
    return this.migrations.finishSource(uuid, outcome, storage);
  }

  /** Gives up on an incoming migration (the source failed): its QEMU and copied disks are removed. */
  abortIncoming(uuid: string, reason?: string): Promise<void> {
    return this.migrations.abortIncoming(uuid, reason);
  }

  /** The vm.* commands (commands.ts). */
  commandHandlers(): CommandHandlers {
    return createVmCommandHandlers(this);
  }

  startWorkload(workloadId: string): Promise<void> {
    return this.startVm(workloadId);
  }

  stopWorkload(workloadId: string, force: boolean): Promise<void> {
    return this.stopVm(workloadId, force);
  }

  /** Runs `run` in the VM's queue, with its monitor while QEMU runs (undefined while stopped). */
  private onVm<T>(uuid: string, run: (def: VmDefinition, monitor: VmMonitor | undefined) => Promise<T>): Promise<T> {
    return this.queue.run(uuid, () => {
      const entry = this.registry.find(uuid);
      if (entry.state === "unknown") throw new VmError("unavailable", `${entry.def.name}: QMP does not answer`);
      return run(entry.def, entry.monitor);
    });
  }

  private provisioner(): Provisioner {
    return { diskDir: this.diskDir, registry: this.registry, createVm: (spec) => this.createVm(spec) };
  }

  private runCommand(uuid: string, command: "stop" | "cont" | "system_reset", event: string): Promise<void> {
    return this.queue.run(uuid, async () => {
      const { monitor } = this.registry.findRunning(uuid);
      await monitor.execute(command);
      // The QMP event reports the change too; this makes it certain before the call returns.
      await monitor.refreshState({ event, data: {}, ts: Date.now() });
    });
  }

  private otherDefs(uuid: string): VmDefinition[] {
    return [...this.registry.entries.values()].filter((e) => e.def.uuid !== uuid).map((e) => e.def);
  }
}
