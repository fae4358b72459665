/**
 * Disk images through qemu-img: backing-file overlays, blank disks, full copies with progress,
 * and the offline side of internal snapshots (for VMs that are not running).
 */
import { runTool } from "./host-tools.js";

export interface ImageInfo {
  filename: string;
  format: string;
  virtualSize: number;
  actualSize: number;
  backingFilename: string | undefined;
  snapshots: SnapshotInfo[];
}

export interface SnapshotInfo {
  id: string;
  name: string;
  /** Bytes of saved RAM and device state; 0 for a disk-only snapshot. */
  vmStateBytes: number;
  /** ms since the epoch. */
  createdAt: number;
  /** Guest time when taken, in ms since the guest started. */
  vmClockMs: number;
}

/** QEMU's ImageInfoSnapshot (qemu-img info, query-named-block-nodes) in our words. */
export function toSnapshotInfo(s: Record<string, unknown>): SnapshotInfo {
  const n = (key: string) => Number(s[key] ?? 0);
  return {
    id: String(s.id ?? ""),
    name: String(s.name ?? ""),
    vmStateBytes: n("vm-state-size"),
    createdAt: n("date-sec") * 1000 + Math.floor(n("date-nsec") / 1e6),
    vmClockMs: n("vm-clock-sec") * 1000 + Math.floor(n("vm-clock-nsec") / 1e6),
  };
}

/**
 * What qemu-img knows about an image. `shared`: read it although a running QEMU holds the
 * image lock (-U); figures of a running image may lag behind what QEMU has in memory.
 */
export async function imageInfo(path: string, shared = false): Promise<ImageInfo> {
  const args = ["info", "--output=json", ...(shared ? ["-U"] : []), path];
  const info = JSON.parse(await runTool("qemu-img", args, { timeoutMs: 30_000 })) as Record<string, unknown>;
  return {
    filename: String(info.filename),
    format: String(info.format),
    virtualSize: Number(info["virtual-size"]),
    actualSize: Number(info["actual-size"] ?? 0),
    backingFilename: (info["full-backing-filename"] ?? info["backing-filename"]) as string | undefined,
    snapshots: ((info.snapshots as Record<string, unknown>[] | undefined) ?? []).map(toSnapshotInfo),
  };
}

/** Every file an image reads from: itself, then its backing files. */
export async function backingChain(path: string): Promise<string[]> {
  const args = ["info", "--output=json", "--backing-chain", "-U", path];
  const chain = JSON.parse(await runTool("qemu-img", args, { timeoutMs: 30_000 })) as { filename: string }[];
  return chain.map((c) => c.filename);
}

/** A qcow2 that reads through to `backing` and keeps only its own writes (a linked clone). */
export async function createOverlay(path: string, backing: string, backingFormat: string, sizeBytes?: number) {
  const args = ["create", "-q", "-f", "qcow2", "-F", backingFormat, "-b", backing, path];
  if (sizeBytes !== undefined) args.push(String(sizeBytes));
  await runTool("qemu-img", args, { timeoutMs: 60_000 });
}

export async function createBlank(path: string, sizeBytes: number): Promise<void> {
  await runTool("qemu-img", ["create", "-q", "-f", "qcow2", path, String(sizeBytes)], { timeoutMs: 60_000 });
}

/**
 * A standalone qcow2 copy of `source` with its backing chain folded in (internal snapshots are
 * not copied). `onProgress` gets 0..1 from qemu-img's own progress output.
 */
export async function copyImage(
  source: string,
  target: string,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  let last = -1;
  await runTool("qemu-img", ["convert", "-p", "-O", "qcow2", source, target], {
    signal,
    onStdout: (chunk) => {
      // qemu-img -p prints "    (12.34/100%)" with carriage returns.
      for (const m of chunk.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)) {
        const fraction = Number(m[1]) / 100;
        if (fraction <= last) continue;
        last = fraction;
        onProgress(fraction);
      }
    },
  });
}

/** Internal snapshots of a stopped VM's image: create (-c), apply (-a), delete (-d). */
export async function offlineSnapshot(path: string, action: "-c" | "-a" | "-d", name: string): Promise<void> {
  await runTool("qemu-img", ["snapshot", action, name, path], { timeoutMs: 10 * 60_000 });
}
