/**
 * Live migration as one host's driver takes part in it, as the source or as the target (see
 * migration-types.ts for the four steps and what travels between the agents). Kept apart from
 * the driver's VM lifecycle; it uses the same VM table and per-VM queue.
 */
import { readdir, rm } from "node:fs/promises";
import type { Logger } from "../../logger.js";
import { IncomingMigration, type IncomingResult, type PrepareIncomingOptions } from "./migration-in.js";
import { type MigrateOutOptions, OutgoingMigration } from "./migration-out.js";
import {
  type MigrationResult,
  type MigrationSource,
  type MigrationTarget,
  migrationSourceSchema,
  type StorageMode,
} from "./migration-types.js";
import { imageInfo } from "./qemu-img.js";
import { isQemuAlive, readPidFile } from "./qemu-process.js";
import { QmpClient } from "./qmp-client.js";
import { resumeWhenUnlocked } from "./resume-when-unlocked.js";
import type { SerialQueue } from "./serial-queue.js";
import { type VmDefinition, vmRuntimePaths, vmsDir } from "./vm-definition.js";
import { vmDiskDir } from "./vm-disks.js";
import { VmError } from "./vm-error.js";
import type { VmRegistry } from "./vm-registry.js";
import { retireMigratedVm } from "./vm-retire.js";
import { killQemu } from "./vm-shutdown.js";
import { saveDefinition } from "./vm-store.js";

export interface MigrationHost {
  registry: VmRegistry;
  queue: SerialQueue;
  stateDir: string;
  diskDir: string;
  log: Logger;
}

export class VmMigrations {
  private readonly incoming = new Map<string, IncomingMigration>();
  /** How the last incoming migration of a VM ended when it failed (until the next one). */
  private readonly failedIncoming = new Map<string, Error>();
  /** VMs sent away and waiting here for finishSource: where they went. */
  private readonly departed = new Map<string, string>();

  constructor(private readonly host: MigrationHost) {}

  async source(uuid: string): Promise<MigrationSource> {
    const { def } = this.host.registry.find(uuid);
    // -U: the disks of a running VM are locked by its QEMU; only their size is read.
    const diskSizes = await Promise.all(def.disks.map(async (d) => (await imageInfo(d.path, true)).virtualSize));
    return { definition: structuredClone(def), diskSizes };
  }

  async prepareIncoming(source: MigrationSource, options: PrepareIncomingOptions): Promise<MigrationTarget> {
    const parsed = migrationSourceSchema.parse(source);
    const uuid = parsed.definition.uuid;
    if (this.incoming.has(uuid)) throw new VmError("conflict", `${parsed.definition.name} is already on its way here`);
    const { incoming, target } = await IncomingMigration.prepare(parsed, options, {
      ...this.host,
      adopt: (def, pid) => this.adopt(def, pid),
    });
    this.incoming.set(uuid, incoming);
    this.failedIncoming.delete(uuid);
    void incoming.done
      .catch((error: Error) => void this.failedIncoming.set(uuid, error))
      .finally(() => this.incoming.delete(uuid));
    return target;
  }

  async awaitIncoming(uuid: string): Promise<IncomingResult> {
    const incoming = this.incoming.get(uuid);
    if (incoming) return incoming.done;
    // It ended before anyone asked (the control plane asks once the source is done): say how.
    const failed = this.failedIncoming.get(uuid);
    if (failed) throw failed;
    // Asked again after it arrived: the VM is simply here.
    if (!this.host.registry.entries.has(uuid)) throw new VmError("not_found", `no incoming migration of ${uuid}`);
    return { arrivedAt: Date.now(), resumedAt: null };
  }

  async abortIncoming(uuid: string, reason?: string): Promise<void> {
    await this.incoming.get(uuid)?.abort(reason);
  }

  /**
   * Incoming QEMUs an earlier agent process left behind (it stopped before their VM arrived) are
   * pidfiles without a definition: killed, with their copied disks, while still waiting. A QEMU
   * past the incoming state is left alone and logged: it may be the only copy of a VM.
   */
  async sweepOrphans(): Promise<void> {
    const { registry, stateDir, log } = this.host;
    const names = await readdir(vmsDir(stateDir)).catch(() => [] as string[]);
    for (const uuid of names.filter((n) => n.endsWith(".pid")).map((n) => n.slice(0, -4))) {
      if (registry.entries.has(uuid) || this.incoming.has(uuid)) continue;
      const paths = vmRuntimePaths(stateDir, uuid);
      const pid = await readPidFile(paths.pidFile);
      const { procRoot } = registry.options.monitor;
      if (pid && (await isQemuAlive(pid, uuid, procRoot))) {
        const { status, files } = await describeQemu(paths.qmpAdminSocket);
        if (status !== "inmigrate") {
          log.error({ uuid, pid, status }, "a QEMU runs without a VM definition; left running");
          continue;
        }
        await killQemu(pid, uuid, procRoot, "SIGKILL");
        // Its disks were blank copies in the making; only files in this VM's disk dir are ours.
        const own = files.filter((f) => f.startsWith(`${vmDiskDir(this.host.diskDir, uuid)}/`));
        await Promise.all(own.map((f) => rm(f, { force: true })));
        log.warn({ uuid }, "removed an incoming migration an earlier agent left unfinished");
      }
      await Promise.all(Object.values(paths).map((p) => rm(p, { force: true })));
    }
  }

  /** Ends every incoming migration (the agent is stopping: an unadopted QEMU would be orphaned). */
  async abortAll(): Promise<void> {
    await Promise.all([...this.incoming.values()].map((m) => m.abort("the agent is stopping")));
  }

  /**
   * Sends the VM to the target. Once QEMU completed the migration the VM is left here paused
   * (QEMU's postmigrate) until finishSource: removed when the target confirmed it runs there,
   * resumed when it did not.
   */
  migrateOut(uuid: string, options: MigrateOutOptions): Promise<MigrationResult> {
    const { registry, queue, log } = this.host;
    return queue.run(uuid, async () => {
      const entry = registry.findRunning(uuid);
      if (options.uuid && options.uuid !== uuid) throw new VmError("invalid", "the target was prepared for another VM");
      const result = await new OutgoingMigration(entry.monitor, entry.def, options, log).run();
      this.departed.set(uuid, options.uri);
      return result;
    });
  }

  /** Step 5 on the source: see vmFinishSourcePayloadSchema. Asked again, it does nothing more. */
  finishSource(uuid: string, outcome: "confirmed" | "failed", storage: StorageMode): Promise<{ status: string }> {
    const { registry, queue } = this.host;
    return queue.run(uuid, async () => {
      const entry = registry.entries.get(uuid);
      if (!entry) {
        if (outcome === "confirmed") return { status: "removed" }; // removed by an earlier ask
        throw new VmError("not_found", `${uuid} is not on this host: it cannot be resumed here`);
      }
      const status = entry.monitor
        ? (await entry.monitor.execute<{ status: string }>("query-status")).status
        : "shutoff";
      if (outcome === "failed") {
        if (status === "running") return { status };
        // Only a VM whose migration completed is resumed: another pause was somebody's choice.
        if (status !== "postmigrate")
          throw new VmError("conflict", `${entry.def.name} is ${status} here, not waiting after a migration`);
        // QEMU takes its disks back from the target first (retried while the target's lock lingers).
        const monitor = entry.monitor;
        if (monitor) await resumeWhenUnlocked(() => monitor.execute("cont"));
        this.departed.delete(uuid);
        registry.emit(entry, {
          kind: "workload.resumed",
          workloadId: uuid,
          message: `${entry.def.name} resumed here: the target did not confirm it runs there`,
          data: { migrationFailed: true },
        });
        return { status: "running" };
      }
      // Never remove a VM that did not leave: it would be lost.
      if (status !== "postmigrate")
        throw new VmError("conflict", `${entry.def.name} is ${status} here: its migration did not complete`);
      await retireMigratedVm(registry, entry, {
        stateDir: this.host.stateDir,
        diskDir: this.host.diskDir,
        deleteDisks: storage === "copy",
        others: [...registry.entries.values()].filter((e) => e !== entry).map((e) => e.def),
        destination: this.departed.get(uuid) ?? "the migration target",
      });
      this.departed.delete(uuid);
      return { status: "removed" };
    });
  }

  /** The VM has arrived: from now on it is this host's, like any VM found at start-up. */
  private async adopt(def: VmDefinition, pid: number): Promise<void> {
    const { registry, stateDir } = this.host;
    await saveDefinition(stateDir, def);
    const entry = registry.add(def);
    registry.emit(entry, {
      kind: "workload.created",
      workloadId: def.uuid,
      message: `${def.name} arrived by live migration`,
      data: { migrated: true },
    });
    await registry.attach(entry, pid, 10_000);
  }
}

/** An unknown QEMU's run state and writable disk files, through its admin monitor. */
async function describeQemu(socket: string): Promise<{ status: string | undefined; files: string[] }> {
  const qmp = await QmpClient.connect(socket, { timeoutMs: 2000 }).catch(() => undefined);
  try {
    const status = (await qmp?.execute<{ status: string }>("query-status"))?.status;
    const block = (await qmp?.execute<{ inserted?: { file: string; ro: boolean } }[]>("query-block")) ?? [];
    return { status, files: block.flatMap((b) => (b.inserted && !b.inserted.ro ? [b.inserted.file] : [])) };
  } finally {
    qmp?.close();
  }
}
