/**
 * The qemu driver's table of VMs: each definition with its run state and, while QEMU runs, its
 * monitor. It launches QEMU, (re)attaches monitors, notices exits, and reports every change to
 * the driver's listener, so the operation modules only act and never report by hand.
 */
import { dirname } from "node:path";
import type { Sample, Workload } from "@flotilla/protocol";
import type { Logger } from "../../logger.js";
import { ensurePrivateDir } from "../../state/files.js";
import type { DriverEvent, DriverListener } from "../driver.js";
import { createAccelChooser } from "./accel.js";
import { runTool } from "./host-tools.js";
import { buildQemuArgs, type LaunchOptions } from "./qemu-args.js";
import { isQemuAlive, launchQemu, readPidFile, signalProcess } from "./qemu-process.js";
import { QmpClosedError } from "./qmp-client.js";
import type { VmDefinition } from "./vm-definition.js";
import { VmError } from "./vm-error.js";
import { type RunState, VmMonitor, type VmMonitorOptions } from "./vm-monitor.js";
import { killQemu } from "./vm-shutdown.js";
import { removeRuntimeFiles } from "./vm-store.js";
import { eventForChange, toWorkload } from "./vm-workload.js";

export interface VmEntry {
  def: VmDefinition;
  state: RunState;
  monitor: VmMonitor | undefined;
  /** Bumped on every attach (and on release), so callbacks of an older monitor are ignored. */
  generation: number;
  recovering: boolean;
}

export interface RegistryOptions {
  binary: string;
  /** Command prefix for QEMU and the `ip` calls for its devices (e.g. `ip netns exec NS`). */
  launcher: readonly string[];
  kvmDevice: string | undefined;
  attachTimeoutMs: number;
  monitor: VmMonitorOptions;
  log: Logger;
}

export class VmRegistry {
  readonly entries = new Map<string, VmEntry>();
  listener: DriverListener | undefined;
  stopped = false;
  private readonly chooseAccel: ReturnType<typeof createAccelChooser>;

  constructor(readonly options: RegistryOptions) {
    this.chooseAccel = createAccelChooser(options.binary, options.kvmDevice);
  }

  add(def: VmDefinition): VmEntry {
    const entry: VmEntry = { def, state: "stopped", monitor: undefined, generation: 0, recovering: false };
    this.entries.set(def.uuid, entry);
    return entry;
  }

  find(uuid: string): VmEntry {
    const entry = this.entries.get(uuid);
    if (!entry) throw new VmError("not_found", `no VM ${uuid}`);
    return entry;
  }

  /** The entry of a VM whose QEMU runs (running or paused). */
  findRunning(uuid: string): VmEntry & { monitor: VmMonitor } {
    const entry = this.find(uuid);
    if (!entry.monitor || entry.monitor.exited) throw new VmError("conflict", `${entry.def.name} is not running`);
    return entry as VmEntry & { monitor: VmMonitor };
  }

  /** A stopped VM (its disks are not in use by QEMU). */
  findStopped(uuid: string): VmEntry {
    const entry = this.find(uuid);
    if (entry.monitor || entry.state === "unknown")
      throw new VmError("conflict", `${entry.def.name} is not stopped; stop it first`);
    return entry;
  }

  assertUnique(name: string, uuid: string): void {
    for (const e of this.entries.values()) {
      if (e.def.uuid === uuid) throw new VmError("conflict", `a VM with uuid ${uuid} exists`);
      if (e.def.name === name) throw new VmError("conflict", `a VM named ${name} exists`);
    }
  }

  /** Starts QEMU for `def` (daemonized) and returns its pid; QMP is not attached yet. */
  async launch(def: VmDefinition, launch: LaunchOptions = {}): Promise<number> {
    // A migration target may not have a VM yet, nor the directory for its runtime files.
    await ensurePrivateDir(dirname(def.pidFile));
    await removeRuntimeFiles(def);
    const { binary, launcher } = this.options;
    try {
      await launchQemu(binary, buildQemuArgs(def, await this.chooseAccel(def), launch), 30_000, launcher);
    } catch (error) {
      throw new VmError("failed", `${def.name}: ${(error as Error).message}`, { cause: error });
    }
    const pid = await readPidFile(def.pidFile);
    if (!pid) throw new VmError("failed", `${def.name}: QEMU started but wrote no pidfile`);
    const { network } = def;
    if (network.mode === "tap" && network.bridge) {
      // QEMU created the tap; it vanishes with QEMU, so only attaching it is ours to do.
      await runTool("ip", ["link", "set", network.ifname, "master", network.bridge, "up"], { launcher }).catch(
        (error: unknown) => {
          signalProcess(pid, "SIGKILL");
          throw new VmError("failed", `${def.name}: cannot attach ${network.ifname} to ${network.bridge}`, {
            cause: error,
          });
        },
      );
    }
    return pid;
  }

  /** Finds a VM's QEMU again: "running" (attached), "stopped", or "unreachable" (alive, QMP silent). */
  async recover(entry: VmEntry): Promise<"running" | "stopped" | "unreachable"> {
    if (entry.recovering) return "unreachable";
    entry.recovering = true;
    try {
      const pid = await readPidFile(entry.def.pidFile);
      if (!pid || !(await isQemuAlive(pid, entry.def.uuid, this.options.monitor.procRoot))) {
        await removeRuntimeFiles(entry.def);
        this.setState(entry, "stopped");
        return "stopped";
      }
      try {
        await this.attach(entry, pid, this.options.attachTimeoutMs);
        return "running";
      } catch (error) {
        // Retried every tick: warn once, not every time.
        if (entry.state !== "unknown")
          this.options.log.warn(
            { err: error, vm: entry.def.name, pid },
            "QEMU runs but its QMP monitor does not answer",
          );
        this.setState(entry, "unknown");
        return "unreachable";
      }
    } finally {
      entry.recovering = false;
    }
  }

  async attach(entry: VmEntry, pid: number, deadlineMs: number): Promise<void> {
    const generation = ++entry.generation;
    const current = () => entry.generation === generation && this.entries.get(entry.def.uuid) === entry;
    const monitor = await VmMonitor.attach(
      entry.def,
      pid,
      {
        onState: (state) => {
          if (current()) this.setState(entry, state, { shutdownReason: entry.monitor?.shutdownReason });
        },
        onExit: () => void this.onExit(entry, generation),
      },
      { ...this.options.monitor, logger: this.options.log.child({ vm: entry.def.name, uuid: entry.def.uuid, pid }) },
      deadlineMs,
    );
    if (this.stopped || !current()) {
      monitor.detach();
      return;
    }
    entry.monitor = monitor;
    this.setState(entry, monitor.state);
  }

  /**
   * Takes the running QEMU away from the table's watch without reporting its end: it is being
   * handed over (migrated out). Returns the monitor, still connected, for the last commands.
   */
  release(entry: VmEntry): VmMonitor | undefined {
    entry.generation++;
    const monitor = entry.monitor;
    entry.monitor = undefined;
    return monitor;
  }

  /** The QEMU of `entry` is gone; reported once per attach. */
  async onExit(entry: VmEntry, generation: number): Promise<void> {
    if (entry.generation !== generation || !entry.monitor) return;
    const { shutdownReason } = entry.monitor;
    entry.monitor.detach();
    entry.monitor = undefined;
    await removeRuntimeFiles(entry.def).catch(() => undefined);
    this.setState(entry, "stopped", { shutdownReason, unexpectedExit: shutdownReason === undefined });
  }

  /** Stop without a monitor: a QEMU alive with a silent monitor can only be signalled (force). */
  async stopUnreachable(entry: VmEntry, force: boolean): Promise<void> {
    const { procRoot } = this.options.monitor;
    const pid = await readPidFile(entry.def.pidFile);
    if (!pid || !(await isQemuAlive(pid, entry.def.uuid, procRoot))) return;
    if (!force) throw new VmError("unavailable", `${entry.def.name}: QMP does not answer; only a forced stop works`);
    await killQemu(pid, entry.def.uuid, procRoot);
    await removeRuntimeFiles(entry.def);
    this.setState(entry, "stopped", { shutdownReason: "host-signal" });
  }

  setState(entry: VmEntry, state: RunState, detail: Parameters<typeof eventForChange>[3] = {}): void {
    const from = entry.state;
    if (from === state) return;
    entry.state = state;
    this.emit(entry, eventForChange(entry.def, from, state, detail));
  }

  /** Reports `entry` as changed (e.g. a new definition or memory size), with an optional event. */
  emit(entry: VmEntry, event: DriverEvent | undefined): void {
    this.listener?.inventoryChanged({ changed: [this.workload(entry)], removed: [] });
    if (event) this.listener?.event(event);
  }

  /** Drops a VM from the table and the inventory. */
  forget(entry: VmEntry, message: string, data?: Record<string, unknown>): void {
    this.entries.delete(entry.def.uuid);
    this.listener?.inventoryChanged({ changed: [], removed: [entry.def.uuid] });
    this.listener?.event({ kind: "workload.removed", workloadId: entry.def.uuid, message, ...(data ? { data } : {}) });
  }

  /** One sample per running VM for the interval ending now. */
  async sample(ts: number): Promise<Sample[]> {
    const samples: Sample[] = [];
    await Promise.all(
      [...this.entries.values()].map(async (entry) => {
        // A QEMU whose monitor did not answer at start-up gets another try each tick.
        if (entry.state === "unknown" && !entry.monitor) void this.recover(entry);
        const sample = await entry.monitor?.sample(ts).catch((error: unknown) => {
          if (!(error instanceof QmpClosedError))
            this.options.log.debug({ err: error, vm: entry.def.name }, "VM sample failed");
          return undefined;
        });
        if (sample) samples.push(sample);
      }),
    );
    return samples;
  }

  workload(entry: VmEntry): Workload {
    return toWorkload(entry.def, entry.state, entry.monitor);
  }

  countRunning(): number {
    return [...this.entries.values()].filter((e) => e.monitor).length;
  }
}
