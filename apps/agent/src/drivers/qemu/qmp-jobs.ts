/**
 * QEMU's background jobs over QMP (snapshot-save/-load/-delete, block mirrors): start one, follow
 * its progress by polling `query-jobs`, and turn its end into a result or an error with QEMU's
 * own reason. Polling, not events: the job may end before a listener could be attached.
 */
import { randomUUID } from "node:crypto";
import { QmpError } from "./qmp-client.js";
import { VmError } from "./vm-error.js";
import type { VmMonitor } from "./vm-monitor.js";

export interface QmpJobInfo {
  id: string;
  type: string;
  status: string;
  "current-progress": number;
  "total-progress": number;
  error?: string;
}

export interface BlockNode {
  /** The drive id (disk0, disk1, ...) as the definition's disks are numbered. */
  device: string;
  nodeName: string;
  file: string;
  format: string;
  readOnly: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fresh job id: QEMU refuses an id that is still in use. */
export function jobId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * Runs a job-creating command (`job-id` must be in `args`) and waits for it to conclude;
 * `onProgress` gets 0..1. A job that fails throws a VmError with QEMU's message.
 */
export async function runQmpJob(
  monitor: VmMonitor,
  command: string,
  args: Record<string, unknown> & { "job-id": string },
  onProgress: (fraction: number) => void = () => undefined,
  timeoutMs = 10 * 60_000,
): Promise<void> {
  const id = args["job-id"];
  await monitor.execute(command, args);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const jobs = await monitor.execute<QmpJobInfo[]>("query-jobs");
    const job = jobs.find((j) => j.id === id);
    if (!job) return; // auto-dismissed: it ended, and without an error (errors keep it until dismissed)
    if (job["total-progress"] > 0) onProgress(job["current-progress"] / job["total-progress"]);
    if (job.status === "concluded") {
      await monitor.execute("job-dismiss", { id }).catch(() => undefined);
      if (job.error) throw new VmError("failed", `${command}: ${job.error}`);
      return;
    }
    if (Date.now() > deadline) {
      await monitor.execute("job-cancel", { id }).catch(() => undefined);
      throw new VmError("failed", `${command}: not done within ${timeoutMs} ms`);
    }
    await sleep(50);
  }
}

/** The VM's drives with their top block node names, from `query-block`. */
export async function blockNodes(monitor: VmMonitor): Promise<BlockNode[]> {
  const block =
    await monitor.execute<
      { device: string; inserted?: { "node-name": string; file: string; drv: string; ro: boolean } }[]
    >("query-block");
  return block.flatMap((b) =>
    b.inserted
      ? [
          {
            device: b.device,
            nodeName: b.inserted["node-name"],
            file: b.inserted.file,
            format: b.inserted.drv,
            readOnly: b.inserted.ro,
          },
        ]
      : [],
  );
}

/** Whether a QMP error means "no such thing" (a job or node already gone). */
export function isNotFound(error: unknown): boolean {
  return error instanceof QmpError && /not found|does not exist|no job|cannot find/i.test(error.message);
}
