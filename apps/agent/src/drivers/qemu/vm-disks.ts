/**
 * The disks a VM owns on this host: where the driver puts the disks it creates (template clones,
 * clones, migration copies), and deleting a VM's disks without pulling one out from under
 * another VM that uses it as a disk or as a backing file.
 */
import { rm, rmdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { backingChain } from "./qemu-img.js";
import type { VmDefinition } from "./vm-definition.js";
import { VmError } from "./vm-error.js";

/** `<diskDir>/<uuid>/`: one directory per VM, so a VM's disks are deleted as a group. */
export function vmDiskDir(diskDir: string, uuid: string): string {
  return join(diskDir, uuid);
}

export function vmDiskPath(diskDir: string, uuid: string, index: number): string {
  return join(vmDiskDir(diskDir, uuid), `disk${index}.qcow2`);
}

export async function fileExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Every file the other VMs read: their disks and those disks' backing files. */
async function filesInUse(others: readonly VmDefinition[]): Promise<Map<string, string>> {
  const used = new Map<string, string>();
  for (const vm of others) {
    for (const disk of vm.disks) {
      const chain = await backingChain(disk.path).catch(() => [disk.path]);
      for (const file of chain) used.set(file, vm.name);
    }
  }
  return used;
}

/**
 * Deletes `def`'s writable disks (read-only ones are shared media and stay), then its disk
 * directory when empty. Refuses, deleting nothing, when another VM still reads one of them.
 */
export async function deleteVmDisks(def: VmDefinition, others: readonly VmDefinition[], diskDir: string) {
  const disks = def.disks.filter((d) => !d.readOnly).map((d) => d.path);
  const used = await filesInUse(others);
  for (const path of disks) {
    const user = used.get(path);
    if (user) throw new VmError("conflict", `${path} is used by VM ${user} (as its disk or backing file)`);
  }
  await Promise.all(disks.map((path) => rm(path, { force: true })));
  await rmdir(vmDiskDir(diskDir, def.uuid)).catch(() => undefined); // absent, or holds files not ours
  return disks;
}
