/**
 * One running QEMU as the driver sees it: its QMP connection, its run state kept current by QMP
 * events (not by polling), and its counters for metrics. The process's end is noticed when the
 * monitor socket closes (QEMU exits right after) and confirmed through /proc.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Sample, Workload } from "@flotilla/protocol";
import type { Logger } from "../../logger.js";
import { parseBootTime, parsePidStat, processStartMs } from "./proc-pid.js";
import { BALLOON_QOM_PATH } from "./qemu-args.js";
import { isQemuAlive, waitForExit } from "./qemu-process.js";
import { connectQmpWithRetry, type QmpClient, QmpClosedError, type QmpEvent } from "./qmp-client.js";
import { hasBalloon, type VmDefinition } from "./vm-definition.js";
import { readVmCounters, type VmReading, vmSample } from "./vm-metrics.js";

export type RunState = Workload["state"];

/** QMP's RunState (query-status `status`) in the protocol's words. */
export function runStateFromQmp(status: string): RunState {
  switch (status) {
    case "running":
      return "running";
    case "inmigrate":
    case "prelaunch":
      return "created";
    case "shutdown":
      return "stopped";
    case "guest-panicked":
    case "internal-error":
      return "dead";
    case "paused":
    case "suspended":
    case "postmigrate":
    case "finish-migrate":
    case "io-error":
    case "watchdog":
    case "debug":
    case "save-vm":
    case "restore-vm":
    case "colo":
      return "paused";
    default:
      return "unknown";
  }
}

/** Events after which the run state may have changed; each is checked with query-status. */
const STATE_EVENTS = new Set(["STOP", "RESUME", "RESET", "POWERDOWN", "SUSPEND", "WAKEUP", "GUEST_PANICKED"]);

export interface VmMonitorHooks {
  /** The run state changed; `cause` is the QMP event that told. */
  onState(state: RunState, cause: QmpEvent): void;
  /** The QEMU process is gone. */
  onExit(): void;
}

export interface VmMonitorOptions {
  logger: Logger;
  procRoot: string;
  sysRoot: string;
  commandTimeoutMs: number;
  /** How often the guest's balloon driver reports memory figures. */
  balloonStatsIntervalS: number;
}

export class VmMonitor {
  state: RunState = "unknown";
  vcpus: number;
  memoryBytes: number;
  startedAt: number | undefined;
  /** SHUTDOWN's reason (guest-shutdown, host-qmp-quit, ...) once QEMU is shutting down. */
  shutdownReason: string | undefined;
  private qmp: QmpClient | undefined;
  private previous: VmReading | undefined;
  private detached = false;
  private readonly listeners = new Set<(event: QmpEvent) => void>();
  private gone = false;

  private constructor(
    readonly def: VmDefinition,
    readonly pid: number,
    private readonly hooks: VmMonitorHooks,
    private readonly options: VmMonitorOptions,
  ) {
    this.vcpus = def.vcpus;
    this.memoryBytes = def.memoryMiB * 1024 * 1024;
  }

  /** Connects to a running QEMU's monitor and reads its state; throws when QMP does not answer. */
  static async attach(
    def: VmDefinition,
    pid: number,
    hooks: VmMonitorHooks,
    options: VmMonitorOptions,
    connectDeadlineMs = 5000,
  ): Promise<VmMonitor> {
    const monitor = new VmMonitor(def, pid, hooks, options);
    await monitor.connect(connectDeadlineMs);
    monitor.startedAt = await monitor.readStartTime().catch(() => Date.now());
    monitor.previous = await monitor.readCounters().catch(() => undefined);
    return monitor;
  }

  get exited(): boolean {
    return this.gone;
  }

  /** Runs a QMP command on this VM. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<T> {
    if (!this.qmp || this.qmp.closed) return Promise.reject(new QmpClosedError(`${command}: QMP is not connected`));
    return this.qmp.execute<T>(command, args, timeoutMs ? { timeoutMs } : {});
  }

  /** Re-reads the run state; returns it (and reports a change through the hooks). */
  async refreshState(cause: QmpEvent): Promise<RunState> {
    const { status } = await this.execute<{ status: string }>("query-status");
    this.setState(runStateFromQmp(status), cause);
    return this.state;
  }

  /** The sample for the interval since the previous reading (none on the first). */
  async sample(ts: number): Promise<Sample | undefined> {
    if (!this.qmp || this.qmp.closed || this.gone) return undefined;
    const current = await this.readCounters();
    const previous = this.previous;
    this.previous = current;
    return previous ? vmSample(this.def.uuid, this.vcpus, previous, current, ts) : undefined;
  }

  /** Lets go of the monitor; the VM keeps running. */
  detach(): void {
    this.detached = true;
    this.qmp?.close();
  }

  private async connect(deadlineMs: number): Promise<void> {
    const qmp = await connectQmpWithRetry(this.def.qmpSocket, {
      deadlineMs,
      commandTimeoutMs: this.options.commandTimeoutMs,
    });
    qmp.onEvent((event) => this.onEvent(event));
    qmp.onClose(() => void this.onClosed());
    this.qmp = qmp;
    const [status, cpus, memory] = await Promise.all([
      qmp.execute<{ status: string }>("query-status"),
      qmp.execute<unknown[]>("query-cpus-fast"),
      qmp.execute<{ "base-memory": number; "plugged-memory"?: number }>("query-memory-size-summary"),
    ]);
    const state = runStateFromQmp(status.status);
    // On a reconnect, a change missed while disconnected is reported like any other.
    if (this.state === "unknown") this.state = state;
    else this.setState(state, { event: "QMP_RECONNECTED", data: {}, ts: Date.now() });
    // What QEMU really has, which is what the definition asked for unless hot-plugged since.
    if (cpus.length > 0) this.vcpus = cpus.length;
    this.memoryBytes = memory["base-memory"] + (memory["plugged-memory"] ?? 0);
    if (hasBalloon(this.def)) {
      // A balloon inflated earlier (setMemory) is what the guest really has.
      const balloon = await qmp.execute<{ actual: number }>("query-balloon").catch(() => undefined);
      if (balloon && balloon.actual > 0) this.memoryBytes = Math.min(this.memoryBytes, balloon.actual);
      await qmp
        .execute("qom-set", {
          path: BALLOON_QOM_PATH,
          property: "guest-stats-polling-interval",
          value: this.options.balloonStatsIntervalS,
        })
        .catch((error: unknown) => this.options.logger.debug({ err: error }, "balloon statistics unavailable"));
    }
  }

  private setState(state: RunState, cause: QmpEvent): void {
    if (state === this.state) return;
    this.state = state;
    this.hooks.onState(state, cause);
  }

  /** Also hands QMP events to `listener` (e.g. a migration timing the guest's pause); returns the unsubscribe. */
  listen(listener: (event: QmpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private onEvent(event: QmpEvent): void {
    const log = this.options.logger;
    log.debug({ event: event.event, data: event.data }, "QMP event");
    for (const listener of this.listeners) listener(event);
    if (event.event === "SHUTDOWN") {
      // QEMU exits right after this (it runs without -no-shutdown).
      this.shutdownReason = String(event.data.reason ?? "unknown");
      this.setState("stopped", event);
    } else if (STATE_EVENTS.has(event.event)) {
      this.refreshState(event).catch((error: unknown) => {
        if (!(error instanceof QmpClosedError)) log.warn({ err: error }, "query-status after an event failed");
      });
    }
  }

  /** The monitor socket closed: QEMU exited, or (rarely) only the connection broke. */
  private async onClosed(): Promise<void> {
    this.qmp = undefined;
    if (this.detached) return;
    // The socket closes a moment before the process is gone.
    if (await waitForExit(this.pid, this.def.uuid, 3000, this.options.procRoot)) {
      this.gone = true;
      this.hooks.onExit();
      return;
    }
    for (let delay = 250; !this.detached; delay = Math.min(delay * 2, 5000)) {
      if (!(await isQemuAlive(this.pid, this.def.uuid, this.options.procRoot))) {
        this.gone = true;
        this.hooks.onExit();
        return;
      }
      try {
        await this.connect(delay);
        this.options.logger.info("QMP reconnected");
        return;
      } catch (error) {
        this.options.logger.warn({ err: error }, "QMP reconnect failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private readCounters(): Promise<VmReading> {
    if (!this.qmp) return Promise.reject(new QmpClosedError("QMP is not connected"));
    return readVmCounters(this.def, this.pid, this.qmp, this.options);
  }

  private async readStartTime(): Promise<number> {
    const { procRoot } = this.options;
    const [stat, procStat] = await Promise.all([
      readFile(join(procRoot, String(this.pid), "stat"), "utf8"),
      readFile(join(procRoot, "stat"), "utf8"),
    ]);
    return processStartMs(parsePidStat(stat), parseBootTime(procStat));
  }
}
