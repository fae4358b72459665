/**
 * The source's last step after a successful live migration: the VM now runs on the target, so
 * the paused QEMU left here is quit and the VM is removed from this host (definition, runtime
 * files, and the disks that were copied over). Removed rather than kept as "migrated": a second
 * definition with the same uuid could be started by mistake and run the VM twice on stale disks,
 * and the history belongs in the control plane's database, not in an agent's state dir.
 */

import { waitForExit } from "./qemu-process.js";
import type { VmDefinition } from "./vm-definition.js";
import { deleteVmDisks } from "./vm-disks.js";
import type { VmEntry, VmRegistry } from "./vm-registry.js";
import { killQemu } from "./vm-shutdown.js";
import { removeVmFiles } from "./vm-store.js";

export interface RetireOptions {
  stateDir: string;
  diskDir: string;
  /** The disks went with the VM: the copies here are stale. */
  deleteDisks: boolean;
  others: VmDefinition[];
  destination: string;
}

export async function retireMigratedVm(registry: VmRegistry, entry: VmEntry, options: RetireOptions): Promise<void> {
  const { def } = entry;
  const { procRoot } = registry.options.monitor;
  const log = registry.options.log.child({ vm: def.name });
  // Released first, so QEMU's exit is not reported as the VM stopping: it lives on elsewhere.
  const monitor = registry.release(entry);
  if (monitor) {
    await monitor.execute("quit").catch(() => undefined); // the reply may be lost as QEMU exits
    if (!(await waitForExit(monitor.pid, def.uuid, 10_000, procRoot)))
      await killQemu(monitor.pid, def.uuid, procRoot, "SIGKILL");
    monitor.detach();
  }
  await removeVmFiles(options.stateDir, def);
  if (options.deleteDisks) {
    await deleteVmDisks(def, options.others, options.diskDir).catch((error: unknown) =>
      log.warn({ err: error }, "kept this host's copies of the migrated VM's disks"),
    );
  }
  registry.forget(entry, `${def.name} migrated away`, { migratedTo: options.destination });
}
