/**
 * The qemu driver's public face: detection and construction, for drivers/select.ts and tests.
 *
 * State it keeps, under `<stateDir>/vms/` (0700; definitions 0600):
 *   <uuid>.json          the VM definition (vm-definition.ts): name, uuid, vcpus, memoryMiB,
 *                        kernel/initrd or disks, network, labels, and the runtime paths below
 *   <uuid>.qmp           the agent's QMP monitor (unix socket, while QEMU runs)
 *   <uuid>.admin.qmp     a second QMP monitor for operators and tools
 *   <uuid>.pid           QEMU's pidfile (QEMU runs daemonized and outlives the agent)
 *   <uuid>.console.log   the guest's serial console
 * and under `<diskDir>/<uuid>/` (default `<stateDir>/disks`) the disks the driver creates:
 * template clones, VM clones, and disks copied in by a live migration. Disks given to
 * `createVm` are the caller's; the driver deletes a VM's writable disks only when asked
 * (`removeVm(uuid, { deleteDisks })`) or when a migration has copied them to another host.
 */
import type { Logger } from "../../logger.js";
import { QemuDriver, type QemuDriverOptions } from "./qemu-driver.js";
import { canRun } from "./qemu-process.js";

export { type IncomingResult, NotConfirmedError, type PrepareIncomingOptions } from "./migration-in.js";
export type { MigrateOutOptions } from "./migration-out.js";
export {
  type MigrationProgress,
  type MigrationResult,
  type MigrationSource,
  type MigrationTarget,
  migrationSourceSchema,
  migrationTargetSchema,
  type StorageMode,
} from "./migration-types.js";
export { QemuDriver, type QemuDriverOptions } from "./qemu-driver.js";
export { QmpClient, QmpClosedError, QmpError, type QmpEvent, QmpTimeoutError } from "./qmp-client.js";
export type { SnapshotInfo } from "./snapshots.js";
export type { CloneMode, CloneOptions, TemplateVmSpec } from "./templates.js";
export type { VmDefinition, VmSpec } from "./vm-definition.js";
export { type OnProgress, VmError, type VmErrorCode } from "./vm-error.js";

export const DEFAULT_QEMU_BINARY = "qemu-system-x86_64";

/** Whether this host can run the qemu driver: the system emulator is on PATH and runs. */
export function detectQemu(binary = DEFAULT_QEMU_BINARY): Promise<boolean> {
  return canRun(binary, ["--version"]);
}

export function createQemuDriver(options: QemuDriverOptions & { logger: Logger }): QemuDriver {
  return new QemuDriver(options);
}
