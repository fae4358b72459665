/**
 * The source half of a live migration: configure QEMU's migration, copy the disks first when
 * they do not live on shared storage, send RAM and device state with QMP `migrate`, and follow
 * `query-migrate` every 100 ms, reporting progress. A failure or a cancel (`migrate_cancel`)
 * leaves the VM running here, as it was, and ends in a VmError that says why.
 */
import type { Logger } from "../../logger.js";
import { DiskMirrors } from "./disk-mirrors.js";
import type { MigrationProgress, MigrationResult, MigrationTarget } from "./migration-types.js";
import type { VmDefinition } from "./vm-definition.js";
import { type OnProgress, VmError } from "./vm-error.js";
import type { VmMonitor } from "./vm-monitor.js";

export interface MigrateOutOptions extends Omit<MigrationTarget, "uuid" | "storage"> {
  /** The target's uuid (from prepareIncoming), checked against the VM's. */
  uuid?: string;
  storage?: MigrationTarget["storage"];
  onProgress?: OnProgress;
  /** Aborting cancels the migration (`migrate_cancel`); the VM stays here. */
  signal?: AbortSignal;
  /** Largest pause QEMU may plan for at switchover (default 300 ms, the product's goal). */
  downtimeLimitMs?: number;
  /**
   * Cap for the RAM stream and for each disk's bulk copy (default 1 GiB/s for RAM, disks
   * unlimited; QEMU's own RAM default, 128 MiB/s, would slow a 10 GbE link).
   */
  maxBandwidthBytesPerSec?: number;
  /** The whole migration, disks included (default 30 min); then it is cancelled. */
  timeoutMs?: number;
}

interface QueryMigrate {
  status?: string;
  "error-desc"?: string;
  "total-time"?: number;
  downtime?: number;
  "expected-downtime"?: number;
  "setup-time"?: number;
  ram?: { transferred: number; remaining: number; total: number; mbps: number };
}

const FINISHED = new Set(["completed", "failed", "cancelled"]);

/** Sleeps `ms`, or less when `signal` aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}

export class OutgoingMigration {
  private readonly mirrors: DiskMirrors;
  private readonly signal: AbortSignal;
  private readonly report: OnProgress;
  private disk = { copiedBytes: 0, totalBytes: 0 };
  private started = false;
  private diskCopyMs = 0;
  private stoppedAt: number | null = null;

  constructor(
    private readonly monitor: VmMonitor,
    private readonly def: VmDefinition,
    private readonly options: MigrateOutOptions,
    private readonly log: Logger,
  ) {
    this.mirrors = new DiskMirrors(monitor);
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 30 * 60_000);
    this.signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    this.report = options.onProgress ?? (() => undefined);
  }

  async run(): Promise<MigrationResult> {
    const storage = this.options.storage ?? "shared";
    if (storage === "copy" && !this.options.nbd) throw new VmError("invalid", "storage copy needs the target's nbd");
    const { status } = await this.monitor.execute<{ status: string }>("query-status");
    const diskStart = Date.now();
    const unlisten = this.monitor.listen((event) => {
      if (event.event === "STOP" && this.started) this.stoppedAt = event.ts;
    });
    try {
      if (storage === "copy" && this.options.nbd) {
        this.reportDisks(0);
        const speed = this.options.maxBandwidthBytesPerSec ?? 0;
        await this.mirrors.copy(this.options.nbd, speed, this.signal, (progress) => {
          this.disk = progress;
          this.reportDisks(progress.copiedBytes);
        });
      }
      this.diskCopyMs = storage === "copy" ? Date.now() - diskStart : 0;
      await this.configure(storage === "copy");
      if (this.signal.aborted) throw this.abortError();
      this.started = true;
      await this.monitor.execute("migrate", { uri: this.options.uri });
      return this.result(await this.follow(), storage);
    } catch (error) {
      // Whatever went wrong while following, QEMU has the last word: a migration it completed
      // runs on the target now, and resuming it here would run the VM twice.
      const final = this.started ? await this.stopMigration().catch(() => undefined) : undefined;
      if (final?.status === "completed") {
        this.log.warn({ err: error, vm: this.def.name }, "the migration completed despite an error while following it");
        return this.result(await this.settledFigures(final), storage);
      }
      await this.recover(status === "running");
      if (error instanceof VmError) throw error;
      throw new VmError("failed", `${this.def.name}: migration failed: ${(error as Error).message}`, { cause: error });
    } finally {
      unlisten();
      await this.mirrors.detach();
    }
  }

  private result(final: QueryMigrate, storage: MigrationResult["storage"]): MigrationResult {
    return {
      totalTimeMs: final["total-time"] ?? 0,
      downtimeMs: final.downtime ?? 0,
      setupTimeMs: final["setup-time"] ?? 0,
      transferredBytes: final.ram?.transferred ?? 0,
      diskBytes: this.disk.totalBytes,
      diskCopyMs: this.diskCopyMs,
      storage,
      sourceStoppedAt: this.stoppedAt,
    };
  }

  private async configure(pauseBeforeSwitchover: boolean): Promise<void> {
    await this.monitor.execute("migrate-set-capabilities", {
      capabilities: [
        { capability: "events", state: true },
        // Set either way: capabilities persist in QEMU across migrations of the same process.
        { capability: "pause-before-switchover", state: pauseBeforeSwitchover },
        // Slows a guest that dirties RAM faster than the link carries it, so it still converges.
        { capability: "auto-converge", state: true },
      ],
    });
    await this.monitor.execute("migrate-set-parameters", {
      "downtime-limit": this.options.downtimeLimitMs ?? 300,
      "max-bandwidth": this.options.maxBandwidthBytesPerSec ?? 1024 * 1024 * 1024,
    });
  }

  /** Polls query-migrate until the migration has ended; returns the final figures. */
  private async follow(): Promise<QueryMigrate> {
    for (;;) {
      if (this.signal.aborted) return this.cancel();
      const m = await this.monitor.execute<QueryMigrate>("query-migrate");
      if (m.status === "completed") {
        const final = await this.settledFigures(m);
        this.reportMemory(final, "completed");
        return final;
      }
      if (m.status === "failed" || m.status === "cancelled")
        throw new VmError("failed", `${this.def.name}: migration ${m.status}: ${m["error-desc"] ?? "no reason given"}`);
      if (m.status === "pre-switchover") {
        // The guest is stopped: the disks can be finished, then device state follows.
        this.reportMemory(m, "switchover");
        await this.mirrors.finish();
        await this.monitor.execute("migrate-continue", { state: "pre-switchover" });
        continue;
      }
      const mirrorFailure = this.mirrors.active ? await this.mirrors.failure() : undefined;
      if (mirrorFailure) {
        await this.stopMigration();
        throw new VmError("failed", `${this.def.name}: ${mirrorFailure}`);
      }
      this.reportMemory(m, m.status === "device" ? "switchover" : "memory");
      await pause(100, this.signal);
    }
  }

  /**
   * QEMU reports `completed` a moment before it has computed total-time and downtime (the
   * migration thread sets the state, then the figures): asks again until they are there.
   */
  private async settledFigures(m: QueryMigrate): Promise<QueryMigrate> {
    let final = m;
    for (let i = 0; i < 40 && !final["total-time"]; i++) {
      await pause(25);
      final = await this.monitor.execute<QueryMigrate>("query-migrate");
    }
    return final;
  }

  /** Cancels; a migration that completed meanwhile is a success (the VM already runs on the target). */
  private async cancel(): Promise<QueryMigrate> {
    const final = await this.stopMigration();
    if (final.status === "completed") {
      this.log.warn({ vm: this.def.name }, "cancel came too late: the migration had completed");
      return this.settledFigures(final);
    }
    throw this.abortError();
  }

  private abortError(): VmError {
    const reason = this.signal.reason as Error | undefined;
    return reason?.name === "TimeoutError"
      ? new VmError("failed", `${this.def.name}: migration timed out after ${this.options.timeoutMs ?? 1_800_000} ms`)
      : new VmError("cancelled", `${this.def.name}: migration cancelled; the VM keeps running on this host`);
  }

  /** migrate_cancel, then waits until QEMU has left the migration. */
  private async stopMigration(): Promise<QueryMigrate> {
    await this.monitor.execute("migrate_cancel").catch(() => undefined);
    for (let i = 0; ; i++) {
      const m = await this.monitor.execute<QueryMigrate>("query-migrate");
      if (FINISHED.has(m.status ?? "") || i > 200) return m;
      await pause(50);
    }
  }

  /** After a failure: no migration, no mirrors, and the guest running again if it was. */
  private async recover(wasRunning: boolean): Promise<void> {
    try {
      await this.mirrors.abort();
      if (!wasRunning) return;
      // QEMU restarts the guest itself after a failed migration; `cont` covers when it has not.
      for (let i = 0; i < 40; i++) {
        const { status } = await this.monitor.execute<{ status: string }>("query-status");
        if (status === "running") return;
        if (i === 20 || status === "postmigrate") await this.monitor.execute("cont");
        await pause(50);
      }
      this.log.error({ vm: this.def.name }, "the VM did not resume after the failed migration");
    } catch (error) {
      this.log.error({ err: error, vm: this.def.name }, "recovering from a failed migration failed");
    }
  }

  private reportDisks(copied: number): void {
    const { totalBytes } = this.disk;
    const data: MigrationProgress = {
      phase: "disks",
      transferredBytes: 0,
      remainingBytes: 0,
      totalBytes: 0,
      mbps: 0,
      expectedDowntimeMs: null,
      diskCopiedBytes: copied,
      diskTotalBytes: totalBytes,
    };
    const fraction = totalBytes ? (0.5 * copied) / totalBytes : 0;
    this.report(fraction, `copying disks: ${mib(copied)} of ${mib(totalBytes)} MiB`, data);
  }

  private reportMemory(m: QueryMigrate, phase: MigrationProgress["phase"]): void {
    const ram = m.ram ?? { transferred: 0, remaining: 0, total: 0, mbps: 0 };
    const data: MigrationProgress = {
      phase,
      transferredBytes: ram.transferred,
      remainingBytes: ram.remaining,
      totalBytes: ram.total,
      mbps: ram.mbps,
      expectedDowntimeMs: m["expected-downtime"] ?? null,
      diskCopiedBytes: this.disk.copiedBytes,
      diskTotalBytes: this.disk.totalBytes,
    };
    const ramFraction = phase === "completed" ? 1 : ram.total ? Math.min(0.99, 1 - ram.remaining / ram.total) : 0;
    const fraction = this.disk.totalBytes ? 0.5 + ramFraction / 2 : ramFraction;
    const message =
      phase === "completed"
        ? "migration completed"
        : `${phase}: ${mib(ram.transferred)} MiB sent, ${mib(ram.remaining)} MiB left, ${ram.mbps.toFixed(0)} Mbit/s`;
    this.report(fraction, message, data);
  }
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
