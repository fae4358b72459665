/**
 * The target half of a live migration: a QEMU built from the source's definition, started with
 * `-incoming` and paused until the stream has arrived; with copied storage also an NBD server
 * the source mirrors the disks into. It watches its own QEMU: on completion it confirms the VM
 * runs here (QEMU reports it running, and still after a short settle) and the driver adopts it;
 * a VM that arrived but does not run is removed (NotConfirmedError: the source may resume it).
 * On failure (source cancelled, stream broken, QEMU died, timeout) everything it made is
 * removed. The VM only enters the inventory once it has arrived, so it never shows on two hosts.
 */
import { randomUUID } from "node:crypto";
import { mkdir, rm, rmdir } from "node:fs/promises";
import type { Logger } from "../../logger.js";
import type { MigrationSource, MigrationTarget, StorageMode } from "./migration-types.js";
import { createBlank } from "./qemu-img.js";
import { waitForExit } from "./qemu-process.js";
import { connectQmpWithRetry, type QmpClient, QmpError } from "./qmp-client.js";
import { defineVm, specOf, type VmDefinition, vmSpecSchema } from "./vm-definition.js";
import { fileExists, vmDiskDir, vmDiskPath } from "./vm-disks.js";
import { VmError } from "./vm-error.js";
import type { VmRegistry } from "./vm-registry.js";
import { killQemu } from "./vm-shutdown.js";
import { removeVmFiles } from "./vm-store.js";

export interface PrepareIncomingOptions {
  /** The address the source reaches this host on (IPv4 or a host name); QEMU listens there. */
  listenHost: string;
  /** The migration port; by default QEMU picks a free one. */
  port?: number;
  storage: StorageMode;
  /** Gives up and cleans up when the VM has not arrived by then (default 15 min). */
  timeoutMs?: number;
}

export interface IncomingResult {
  arrivedAt: number;
  /** When the guest resumed here (QEMU's clock, ms since the epoch); null when it arrived paused. */
  resumedAt: number | null;
}

export interface IncomingHost {
  registry: VmRegistry;
  stateDir: string;
  diskDir: string;
  log: Logger;
  /** Takes the arrived VM into the driver (definition saved, monitor attached). */
  adopt(def: VmDefinition, pid: number): Promise<void>;
}

const HOST = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/;
/** How long QEMU may take to report the arrived guest running. */
const CONFIRM_WITHIN_MS = 3_000;
/** It must still run this long after: a guest that stops or crashes at once has not arrived. */
const CONFIRM_SETTLE_MS = 300;

/** The VM arrived but did not run here; this host removed its copy, so the source may resume it. */
export class NotConfirmedError extends VmError {
  constructor(message: string) {
    super("failed", message);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class IncomingMigration {
  readonly done: Promise<IncomingResult>;
  private settle!: { resolve: (result: IncomingResult) => void; reject: (error: Error) => void };
  /** QEMU's timestamp of the guest resuming here (RESUME), for the guest-visible pause. */
  private resumedAt: number | null = null;
  private qmp: QmpClient | undefined;
  private pid: number | undefined;
  private finished = false;
  private confirming = false;
  private timer: NodeJS.Timeout | undefined;
  /** The disk files this migration made: the only ones its cleanup deletes. */
  private readonly created: string[] = [];

  private constructor(
    readonly def: VmDefinition,
    private readonly storage: StorageMode,
    private readonly host: IncomingHost,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.done.catch(() => undefined); // observed through awaitIncoming, if anyone asks
  }

  /** Starts the incoming QEMU; resolves with what the source needs to send the VM here. */
  static async prepare(source: MigrationSource, options: PrepareIncomingOptions, host: IncomingHost) {
    if (!HOST.test(options.listenHost)) throw new VmError("invalid", "listenHost must be an IPv4 address or host name");
    const { definition, diskSizes } = source;
    host.registry.assertUnique(definition.name, definition.uuid);
    const disks = await targetDisks(source, options.storage, host.diskDir);
    const spec = vmSpecSchema.parse({ ...specOf(definition), disks });
    const def = defineVm(spec, definition.uuid, host.stateDir, definition.createdAt);
    const incoming = new IncomingMigration(def, options.storage, host);
    try {
      if (options.storage === "copy") {
        await mkdir(vmDiskDir(host.diskDir, def.uuid), { recursive: true, mode: 0o700 });
        for (const [i, disk] of definition.disks.entries()) {
          if (disk.readOnly) continue;
          const path = def.disks[i]?.path as string;
          await createBlank(path, diskSizes[i] ?? 0);
          incoming.created.push(path);
        }
      }
      const target = await incoming.start(options);
      incoming.timer = setTimeout(
        () => void incoming.fail(`the VM did not arrive within ${options.timeoutMs ?? 900_000} ms`),
        options.timeoutMs ?? 900_000,
      );
      return { incoming, target };
    } catch (error) {
      incoming.finished = true; // what follows is the cleanup, not a failure to report twice
      clearTimeout(incoming.timer);
      await incoming.cleanUp();
      throw error instanceof VmError ? error : new VmError("failed", (error as Error).message, { cause: error });
    }
  }

  /** Gives up on this migration (the control plane's call after the source failed); cleans up. */
  abort(reason = "the migration was aborted"): Promise<void> {
    return this.fail(reason);
  }

  private async start(options: PrepareIncomingOptions): Promise<MigrationTarget> {
    const { registry } = this.host;
    this.pid = await registry.launch(this.def, { incoming: `tcp:${options.listenHost}:${options.port ?? 0}` });
    // The agent's monitor, handed over to the VM's VmMonitor on arrival; the admin one stays
    // free for operators and for a later agent that finds this QEMU orphaned.
    const qmp = await connectQmpWithRetry(this.def.qmpSocket, { deadlineMs: 10_000 });
    this.qmp = qmp;
    qmp.onEvent((event) => {
      if (event.event === "RESUME") this.resumedAt = event.ts;
      if (event.event !== "MIGRATION") return;
      if (event.data.status === "completed") void this.arrive();
      if (event.data.status === "failed")
        void this.fail(
          "the migration stream broke off before the VM arrived (the source cancelled or failed, or the link went down)",
        );
    });
    qmp.onClose(() => void this.fail("the target QEMU exited before the VM arrived"));
    await qmp.execute("migrate-set-capabilities", { capabilities: [{ capability: "events", state: true }] });
    const status = await qmp.execute<{ "socket-address"?: { port?: string }[] }>("query-migrate");
    const port = Number(status["socket-address"]?.[0]?.port);
    if (!port) throw new VmError("failed", `${this.def.name}: QEMU reports no incoming migration port`);
    const target: MigrationTarget = {
      uuid: this.def.uuid,
      uri: `tcp:${options.listenHost}:${port}`,
      storage: this.storage,
    };
    if (this.storage === "copy") target.nbd = await this.exportDisks(qmp, options.listenHost);
    return target;
  }

  /** Serves each copied disk over NBD (QEMU activates an incoming image for an export). */
  private async exportDisks(qmp: QmpClient, host: string): Promise<NonNullable<MigrationTarget["nbd"]>> {
    const port = await startNbdServer(qmp, host);
    const block =
      await qmp.execute<{ device: string; inserted?: { "node-name": string; ro: boolean } }[]>("query-block");
    const exports: { device: string; name: string }[] = [];
    for (const b of block) {
      if (!b.inserted || b.inserted.ro) continue;
      const name = `${this.def.uuid}-${b.device}`;
      await qmp.execute("block-export-add", {
        type: "nbd",
        id: `migrate-${b.device}`,
        "node-name": b.inserted["node-name"],
        name,
        writable: true,
      });
      exports.push({ device: b.device, name });
    }
    return { host, port, exports };
  }

  private async arrive(): Promise<void> {
    if (this.finished || this.confirming) return;
    this.confirming = true;
    const problem = await this.confirmRunning();
    if (this.finished) return; // QEMU exited or the migration was aborted meanwhile
    if (problem) return this.fail(problem, true);
    this.finished = true;
    clearTimeout(this.timer);
    try {
      // The source's mirrors finished before switchover; the server has nothing left to serve.
      if (this.storage === "copy") await this.qmp?.execute("nbd-server-stop").catch(() => undefined);
      this.qmp?.close();
      await this.host.adopt(this.def, this.pid as number);
      this.settle.resolve({ arrivedAt: Date.now(), resumedAt: this.resumedAt });
    } catch (error) {
      this.host.log.error({ err: error, vm: this.def.name }, "adopting a migrated VM failed");
      this.settle.reject(new VmError("failed", `${this.def.name} arrived but could not be adopted`, { cause: error }));
    }
  }

  /** Null when the arrived VM runs here; otherwise why it does not. */
  private async confirmRunning(): Promise<string | null> {
    const status = async () =>
      (
        await this.qmp
          ?.execute<{ status: string }>("query-status")
          .catch((error: Error) => ({ status: `unreachable (${error.message})` }))
      )?.status ?? "unreachable";
    // QEMU reports the migration completed just before it resumes the guest.
    const deadline = Date.now() + CONFIRM_WITHIN_MS;
    let now = await status();
    while (now !== "running" && Date.now() < deadline && !this.finished) {
      await sleep(50);
      now = await status();
    }
    if (now !== "running") return `the VM arrived but is ${now} here, not running`;
    await sleep(CONFIRM_SETTLE_MS);
    now = await status();
    return now === "running" ? null : `the VM arrived and ran, then became ${now} here`;
  }

  /** `notConfirmed`: it arrived but did not run; reported only once this copy is gone. */
  private async fail(reason: string, notConfirmed = false): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    this.host.log.warn({ vm: this.def.name, reason }, "incoming migration failed; cleaning up");
    try {
      await this.cleanUp();
    } catch (error) {
      this.host.log.error({ err: error }, "incoming cleanup failed");
      // Its QEMU may live on: the source must not resume a VM that may still run here.
      notConfirmed = false;
    }
    const message = `${this.def.name}: ${reason}`;
    this.settle.reject(notConfirmed ? new NotConfirmedError(message) : new VmError("failed", message));
  }

  private async cleanUp(): Promise<void> {
    this.qmp?.close();
    const { procRoot } = this.host.registry.options.monitor;
    if (this.pid && !(await waitForExit(this.pid, this.def.uuid, 0, procRoot)))
      await killQemu(this.pid, this.def.uuid, procRoot, "SIGKILL");
    await removeVmFiles(this.host.stateDir, this.def);
    await Promise.all(this.created.map((path) => rm(path, { force: true })));
    await rmdir(vmDiskDir(this.host.diskDir, this.def.uuid)).catch(() => undefined); // only when empty
  }
}

/** The target's disks: the same paths (shared), or fresh ones under the disk dir (copy). */
async function targetDisks(source: MigrationSource, storage: StorageMode, diskDir: string) {
  const { definition } = source;
  const disks = [];
  for (const [i, disk] of definition.disks.entries()) {
    if (storage === "copy" && !disk.readOnly) {
      if (source.diskSizes[i] === undefined) throw new VmError("invalid", `no size for disk ${i}`);
      disks.push({ ...disk, path: await freshDiskPath(diskDir, definition.uuid, i), format: "qcow2" as const });
    } else if (await fileExists(disk.path)) disks.push(disk);
    else throw new VmError("invalid", `${disk.path} is not on this host; migrate with storage copy`);
  }
  for (const file of [definition.kernel?.path, definition.kernel?.initrd]) {
    if (file && !(await fileExists(file))) throw new VmError("invalid", `${file} is not on this host`);
  }
  return disks;
}

/**
 * Where a copied disk goes: never over an existing file (with one file system under both
 * "hosts", or an earlier copy still in use, that file may be a running VM's disk).
 */
async function freshDiskPath(diskDir: string, uuid: string, index: number): Promise<string> {
  const path = vmDiskPath(diskDir, uuid, index);
  if (!(await fileExists(path))) return path;
  return path.replace(/\.qcow2$/, `-${randomUUID().slice(0, 8)}.qcow2`);
}

/** Starts QEMU's NBD server on a free port: QEMU cannot report a port it picked, so try some. */
async function startNbdServer(qmp: QmpClient, host: string): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000); // below Linux's ephemeral range
    try {
      await qmp.execute("nbd-server-start", { addr: { type: "inet", data: { host, port: String(port) } } });
      return port;
    } catch (error) {
      if (attempt >= 20 || !(error instanceof QmpError) || !/in use/i.test(error.message)) throw error;
    }
  }
}
