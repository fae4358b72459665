/**
 * Internal qcow2 snapshots of a VM, the way Proxmox takes them on qcow2 storage. While QEMU runs:
 * the QMP jobs snapshot-save/-load/-delete, which keep RAM and device state too (stored in the
 * first writable disk). While stopped: `qemu-img snapshot`, disks only. Internal snapshots need
 * every writable disk to be qcow2; read-only disks (shared media) are left out.
 */
import { imageInfo, offlineSnapshot, type SnapshotInfo, toSnapshotInfo } from "./qemu-img.js";
import { blockNodes, jobId, runQmpJob } from "./qmp-jobs.js";
import type { VmDefinition } from "./vm-definition.js";
import { type OnProgress, VmError } from "./vm-error.js";
import type { VmMonitor } from "./vm-monitor.js";

export type { SnapshotInfo } from "./qemu-img.js";

const SNAPSHOT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** The disks a snapshot covers; throws when the VM cannot have internal snapshots. */
function snapshotDisks(def: VmDefinition): string[] {
  const writable = def.disks.filter((d) => !d.readOnly);
  if (writable.length === 0)
    throw new VmError("invalid", `${def.name} has no writable disk to keep snapshots in; add a qcow2 disk`);
  const raw = writable.find((d) => d.format !== "qcow2");
  if (raw) throw new VmError("invalid", `snapshots need every writable disk in qcow2; ${raw.path} is ${raw.format}`);
  return writable.map((d) => d.path);
}

/** The block nodes of the running VM's writable disks, vmstate holder first. */
async function writableNodes(monitor: VmMonitor, def: VmDefinition): Promise<string[]> {
  snapshotDisks(def);
  const nodes = (await blockNodes(monitor)).filter((n) => !n.readOnly).map((n) => n.nodeName);
  if (nodes.length === 0) throw new VmError("failed", `${def.name}: QEMU reports no writable disk`);
  return nodes;
}

function checkName(name: string): void {
  if (!SNAPSHOT_NAME.test(name)) throw new VmError("invalid", "a snapshot name is 1-63 letters, digits, '.', '_', '-'");
}

export async function listSnapshots(def: VmDefinition, monitor: VmMonitor | undefined): Promise<SnapshotInfo[]> {
  const [firstDisk] = snapshotDisks(def);
  if (!monitor) return (await imageInfo(firstDisk as string)).snapshots;
  const [holder] = await writableNodes(monitor, def);
  const nodes = await monitor.execute<{ "node-name": string; image: { snapshots?: Record<string, unknown>[] } }[]>(
    "query-named-block-nodes",
    { flat: true },
  );
  return (nodes.find((n) => n["node-name"] === holder)?.image.snapshots ?? []).map(toSnapshotInfo);
}

async function findSnapshot(def: VmDefinition, monitor: VmMonitor | undefined, name: string) {
  return (await listSnapshots(def, monitor)).find((s) => s.name === name);
}

/** Takes snapshot `name`: with RAM and device state while QEMU runs, disks only while stopped. */
export async function createSnapshot(
  def: VmDefinition,
  monitor: VmMonitor | undefined,
  name: string,
  onProgress: OnProgress,
): Promise<SnapshotInfo> {
  checkName(name);
  if (await findSnapshot(def, monitor, name)) throw new VmError("conflict", `${def.name} has a snapshot ${name}`);
  if (monitor) {
    const nodes = await writableNodes(monitor, def);
    onProgress(0, `saving ${def.name} (RAM and disks) as ${name}`);
    // The guest pauses while its RAM is written, like Proxmox's "include RAM" snapshots.
    await runQmpJob(
      monitor,
      "snapshot-save",
      { "job-id": jobId("snap-save"), tag: name, vmstate: nodes[0], devices: nodes },
      (f) => onProgress(f, `saving ${name}`),
    );
  } else {
    const disks = snapshotDisks(def);
    for (const [i, path] of disks.entries()) {
      onProgress(i / disks.length, `snapshotting disk ${i + 1} of ${disks.length}`);
      await offlineSnapshot(path, "-c", name);
    }
  }
  const taken = await findSnapshot(def, monitor, name);
  if (!taken) throw new VmError("failed", `${def.name}: snapshot ${name} was not recorded`);
  onProgress(1, `snapshot ${name} taken`);
  return taken;
}

/** Returns the VM to snapshot `name`: a running VM continues from the saved RAM; a stopped one gets the disks back. */
export async function revertSnapshot(
  def: VmDefinition,
  monitor: VmMonitor | undefined,
  name: string,
  onProgress: OnProgress,
): Promise<void> {
  const snapshot = await findSnapshot(def, monitor, name);
  if (!snapshot) throw new VmError("not_found", `${def.name} has no snapshot ${name}`);
  if (monitor) {
    if (snapshot.vmStateBytes === 0)
      throw new VmError("invalid", `${name} holds disks only (taken while stopped): stop ${def.name} to revert to it`);
    const nodes = await writableNodes(monitor, def);
    await runQmpJob(
      monitor,
      "snapshot-load",
      { "job-id": jobId("snap-load"), tag: name, vmstate: nodes[0], devices: nodes },
      (f) => onProgress(f, `loading ${name}`),
    );
  } else {
    for (const path of snapshotDisks(def)) await offlineSnapshot(path, "-a", name);
  }
  onProgress(1, `${def.name} reverted to ${name}`);
}

export async function deleteSnapshot(
  def: VmDefinition,
  monitor: VmMonitor | undefined,
  name: string,
  onProgress: OnProgress,
): Promise<void> {
  if (!(await findSnapshot(def, monitor, name))) throw new VmError("not_found", `${def.name} has no snapshot ${name}`);
  if (monitor) {
    const nodes = await writableNodes(monitor, def);
    await runQmpJob(monitor, "snapshot-delete", { "job-id": jobId("snap-del"), tag: name, devices: nodes }, (f) =>
      onProgress(f, `deleting ${name}`),
    );
  } else {
    for (const path of snapshotDisks(def)) await offlineSnapshot(path, "-d", name);
  }
  onProgress(1, `snapshot ${name} deleted`);
}
