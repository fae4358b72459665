/**
 * Copying a running VM's disks to the migration target, the way libvirt does on QEMU 7.2 (where
 * `migrate` with `blk` is deprecated): each writable disk is mirrored (blockdev-mirror, sync
 * full) into the target's NBD export. Mirrors run in write-blocking mode, so once ready every
 * guest write reaches both sides; they are finished at the migration's pre-switchover pause,
 * when the guest is stopped and nothing is left to copy.
 */
import type { MigrationTarget } from "./migration-types.js";
import { blockNodes, type QmpJobInfo } from "./qmp-jobs.js";
import { VmError } from "./vm-error.js";
import type { VmMonitor } from "./vm-monitor.js";

interface Mirror {
  device: string;
  jobId: string;
  nbdNode: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface MirrorProgress {
  copiedBytes: number;
  totalBytes: number;
}

export class DiskMirrors {
  private readonly mirrors: Mirror[] = [];
  private finished = false;

  constructor(private readonly monitor: VmMonitor) {}

  /** Mirrors are running (started, and neither finished nor aborted). */
  get active(): boolean {
    return this.mirrors.length > 0 && !this.finished;
  }

  /** Starts one mirror per export and waits until all are in sync; returns the bytes copied. */
  async copy(
    nbd: NonNullable<MigrationTarget["nbd"]>,
    /** Bytes per second per disk for the bulk copy; 0 is unlimited. */
    speed: number,
    signal: AbortSignal | undefined,
    onProgress: (progress: MirrorProgress) => void,
  ): Promise<number> {
    const nodes = await blockNodes(this.monitor);
    for (const { device, name } of nbd.exports) {
      const node = nodes.find((n) => n.device === device);
      if (!node || node.readOnly)
        throw new VmError("invalid", `the target expects disk ${device}, which is not writable here`);
      const mirror = { device, jobId: `migrate-${device}`, nbdNode: `migrate-nbd-${device}` };
      await this.monitor.execute("blockdev-add", {
        driver: "nbd",
        "node-name": mirror.nbdNode,
        server: { type: "inet", host: nbd.host, port: String(nbd.port) },
        export: name,
      });
      this.mirrors.push(mirror);
      await this.monitor.execute("blockdev-mirror", {
        "job-id": mirror.jobId,
        device: node.nodeName,
        target: mirror.nbdNode,
        sync: "full",
        "copy-mode": "write-blocking",
        speed,
        // Kept after an error, so its reason can be read.
        "auto-dismiss": false,
      });
    }
    for (;;) {
      if (signal?.aborted) throw new VmError("cancelled", "the migration was cancelled while copying disks");
      const jobs = await this.jobs();
      this.throwIfFailed(jobs);
      onProgress(this.progress(jobs));
      if (jobs.every((j) => j.status === "ready")) return this.progress(jobs).totalBytes;
      await sleep(100);
    }
  }

  /** A mirror that failed (e.g. the target went away), as a reason; undefined while all are fine. */
  async failure(): Promise<string | undefined> {
    try {
      this.throwIfFailed(await this.jobs());
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  /**
   * Ends the mirrors with the target complete (block-job-cancel on a ready mirror finishes the
   * copy without switching the source over to it). Call with the guest stopped.
   */
  async finish(): Promise<void> {
    for (const m of this.mirrors) await this.monitor.execute("block-job-cancel", { device: m.jobId });
    for (;;) {
      const jobs = await this.jobs();
      this.throwIfFailed(jobs);
      if (jobs.every((j) => j.status === "concluded")) break;
      await sleep(20);
    }
    this.finished = true;
    await this.dismiss();
  }

  /** Stops the mirrors at once (migration failed or cancelled); the source keeps its disks as they are. */
  async abort(): Promise<void> {
    if (!this.active) return;
    this.finished = true;
    for (const m of this.mirrors) {
      await this.monitor.execute("block-job-cancel", { device: m.jobId, force: true }).catch(() => undefined);
    }
    for (let i = 0; i < 100; i++) {
      const jobs = await this.jobs().catch(() => []);
      if (jobs.every((j) => j.status === "concluded" || j.status === "null")) break;
      await sleep(50);
    }
    await this.dismiss();
  }

  /** Removes the NBD client nodes; last, since the mirrors hold them until they end. */
  async detach(): Promise<void> {
    for (const m of this.mirrors.splice(0)) {
      await this.monitor.execute("blockdev-del", { "node-name": m.nbdNode }).catch(() => undefined);
    }
  }

  private async dismiss(): Promise<void> {
    for (const m of this.mirrors) await this.monitor.execute("job-dismiss", { id: m.jobId }).catch(() => undefined);
  }

  private async jobs(): Promise<QmpJobInfo[]> {
    const ids = new Set(this.mirrors.map((m) => m.jobId));
    return (await this.monitor.execute<QmpJobInfo[]>("query-jobs")).filter((j) => ids.has(j.id));
  }

  private throwIfFailed(jobs: QmpJobInfo[]): void {
    const failed = jobs.find((j) => j.error);
    if (failed) throw new VmError("failed", `copying ${failed.id.replace("migrate-", "")} failed: ${failed.error}`);
    if (jobs.length < this.mirrors.length) throw new VmError("failed", "a disk mirror ended unexpectedly");
  }

  private progress(jobs: QmpJobInfo[]): MirrorProgress {
    return {
      copiedBytes: jobs.reduce((sum, j) => sum + j["current-progress"], 0),
      totalBytes: jobs.reduce((sum, j) => sum + j["total-progress"], 0),
    };
  }
}
