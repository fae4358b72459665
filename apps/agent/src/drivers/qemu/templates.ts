/**
 * New VMs from existing disks: a VM from a template disk (a qcow2 backing-file overlay, so it
 * costs only its own writes), and clones of a stopped VM, full (a standalone copy) or linked
 * (overlays on a template VM's disks). New disks go into `<diskDir>/<uuid>/`.
 */
import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { copyImage, createBlank, createOverlay, imageInfo } from "./qemu-img.js";
import { specOf, type VmDefinition, type VmSpec } from "./vm-definition.js";
import { vmDiskDir, vmDiskPath } from "./vm-disks.js";
import { type OnProgress, VmError } from "./vm-error.js";
import type { VmRegistry } from "./vm-registry.js";

const MiB = 1024 * 1024;

export interface TemplateVmSpec extends Omit<VmSpec, "disks" | "template"> {
  /** The template disk (qcow2 or raw) the VM's first disk reads through to. It must not change afterwards. */
  templateDisk: string;
  /** Grows the first disk to this size; never below the template's. */
  diskSizeMiB?: number;
  /** Blank qcow2 data disks after the first, in MiB. */
  extraDisksMiB?: number[];
}

export type CloneMode = "full" | "linked";

export interface CloneOptions {
  name: string;
  /** full: a standalone copy of every writable disk; linked: overlays, from a template VM only. */
  mode: CloneMode;
  uuid?: string;
  labels?: Record<string, string>;
}

type DiskSpec = NonNullable<VmSpec["disks"]>[number];

/** Creates the disks of a VM made from a template disk; returns them for its definition. */
export async function createTemplateDisks(
  spec: TemplateVmSpec,
  uuid: string,
  diskDir: string,
  onProgress: OnProgress,
): Promise<DiskSpec[]> {
  if (!isAbsolute(spec.templateDisk)) throw new VmError("invalid", "templateDisk must be an absolute path");
  const template = await imageInfo(spec.templateDisk, true).catch((error: Error) => {
    throw new VmError("invalid", `template disk: ${error.message}`);
  });
  const size = spec.diskSizeMiB === undefined ? undefined : spec.diskSizeMiB * MiB;
  if (size !== undefined && size < template.virtualSize)
    throw new VmError("invalid", `diskSizeMiB is below the template's ${template.virtualSize / MiB} MiB`);
  const extras = spec.extraDisksMiB ?? [];
  onProgress(0, `cloning ${spec.templateDisk}`);
  const boot = vmDiskPath(diskDir, uuid, 0);
  await createOverlay(boot, spec.templateDisk, template.format, size);
  const disks: DiskSpec[] = [{ path: boot, format: "qcow2" }];
  for (const [i, mib] of extras.entries()) {
    onProgress((i + 1) / (extras.length + 1), `creating data disk ${i + 1} (${mib} MiB)`);
    const path = vmDiskPath(diskDir, uuid, i + 1);
    await createBlank(path, mib * MiB);
    disks.push({ path, format: "qcow2" });
  }
  onProgress(1, `${disks.length} disk(s) ready`);
  return disks;
}

/** The new disks of a clone of `source` (a stopped VM); read-only disks are shared, not copied. */
export async function cloneDisks(
  source: VmDefinition,
  uuid: string,
  diskDir: string,
  mode: CloneMode,
  onProgress: OnProgress,
  signal?: AbortSignal,
): Promise<DiskSpec[]> {
  if (mode === "linked" && !source.template)
    throw new VmError("conflict", `${source.name} is not a template: linked clones need one (convert it first)`);
  const infos = await Promise.all(source.disks.map((d) => (d.readOnly ? undefined : imageInfo(d.path))));
  const total = infos.reduce((sum, info) => sum + (info?.virtualSize ?? 0), 0) || 1;
  let done = 0;
  const disks: DiskSpec[] = [];
  for (const [i, disk] of source.disks.entries()) {
    const info = infos[i];
    if (!info) {
      disks.push(disk);
      continue;
    }
    const path = vmDiskPath(diskDir, uuid, i);
    const message = `${mode === "full" ? "copying" : "linking"} disk ${i + 1} of ${source.disks.length}`;
    if (mode === "linked") await createOverlay(path, disk.path, info.format);
    else await copyImage(disk.path, path, (f) => onProgress((done + f * info.virtualSize) / total, message), signal);
    done += info.virtualSize;
    onProgress(done / total, message);
    disks.push({ path, format: "qcow2" });
  }
  return disks;
}

/** Removes what a failed create or clone left behind. */
export async function discardVmDisks(diskDir: string, uuid: string): Promise<void> {
  await rm(vmDiskDir(diskDir, uuid), { recursive: true, force: true });
}

/** What creating VMs from existing disks needs of the driver. */
export interface Provisioner {
  diskDir: string;
  registry: VmRegistry;
  createVm(spec: VmSpec): Promise<VmDefinition>;
}

export async function createVmFromTemplate(
  p: Provisioner,
  spec: TemplateVmSpec,
  onProgress: OnProgress,
): Promise<VmDefinition> {
  const { templateDisk, diskSizeMiB, extraDisksMiB, ...rest } = spec;
  // A template that a running VM writes to would change under every clone made from it.
  for (const e of p.registry.entries.values()) {
    if (e.monitor && e.def.disks.some((d) => d.path === templateDisk && !d.readOnly))
      throw new VmError("conflict", `${templateDisk} is the disk of running VM ${e.def.name}`);
  }
  const uuid = spec.uuid ?? randomUUID();
  p.registry.assertUnique(spec.name, uuid);
  return withNewDisks(p.diskDir, uuid, async () => {
    const disks = await createTemplateDisks(spec, uuid, p.diskDir, onProgress);
    return p.createVm({ ...rest, uuid, disks });
  });
}

export async function cloneVm(
  p: Provisioner,
  source: VmDefinition,
  clone: CloneOptions,
  onProgress: OnProgress,
  signal?: AbortSignal,
): Promise<VmDefinition> {
  const uuid = clone.uuid ?? randomUUID();
  p.registry.assertUnique(clone.name, uuid);
  return withNewDisks(p.diskDir, uuid, async () => {
    const disks = await cloneDisks(source, uuid, p.diskDir, clone.mode, onProgress, signal);
    // Without `mac` the clone's MAC derives from its own uuid; a clone is never a template.
    const { mac, template, ...spec } = specOf(source);
    return p.createVm({ ...spec, name: clone.name, uuid, disks, labels: clone.labels ?? source.labels });
  });
}

/**
 * Runs `create` with a new, empty disk dir for the VM; on failure removes that dir and what
 * `create` put in it. A dir that exists already is refused: it is not this operation's to delete.
 */
async function withNewDisks(diskDir: string, uuid: string, create: () => Promise<VmDefinition>) {
  await mkdir(diskDir, { recursive: true, mode: 0o700 });
  await mkdir(vmDiskDir(diskDir, uuid), { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    throw new VmError(error.code === "EEXIST" ? "conflict" : "failed", `${vmDiskDir(diskDir, uuid)}: ${error.message}`);
  });
  try {
    return await create();
  } catch (error) {
    await discardVmDisks(diskDir, uuid);
    throw error;
  }
}
