/**
 * The `vm.*` commands, run by the qemu driver (registered through `QemuDriver.commandHandlers()`).
 * Each handler only translates: payload -> driver call -> plain JSON result, progress passed
 * through, VmError codes mapped to the protocol's. The driver keeps the rules (one operation per
 * VM at a time, what a migration leaves behind on failure).
 */
import type { CommandErrorCode } from "@flotilla/protocol";
import { CommandError, type CommandHandlerContext, type CommandHandlers } from "../../commands/handler.js";
import { NotConfirmedError } from "./migration-in.js";
import type { MigrationSource } from "./migration-types.js";
import type { QemuDriver } from "./qemu-driver.js";
import type { TemplateVmSpec } from "./templates.js";
import { type OnProgress, VmError, type VmErrorCode } from "./vm-error.js";

const ERROR_CODES: Record<VmErrorCode, CommandErrorCode> = {
  not_found: "not_found",
  invalid: "command_failed",
  conflict: "command_failed",
  unavailable: "command_failed",
  failed: "command_failed",
  cancelled: "cancelled",
};

/** Runs `work`, turning a VmError into the CommandError the runner reports (with the driver's words). */
async function run<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof VmError) throw new CommandError(ERROR_CODES[error.code], error.message);
    throw error;
  }
}

const progressOf =
  (ctx: CommandHandlerContext): OnProgress =>
  (progress, message, data) =>
    ctx.progress(progress, message, data);

export function createVmCommandHandlers(driver: QemuDriver): CommandHandlers {
  return {
    "vm.create": (p, ctx) =>
      run(async () => {
        const { templateDisk, diskSizeMiB, extraDisksMiB, start, kernel, ...rest } = p;
        const spec: TemplateVmSpec = {
          ...rest,
          templateDisk,
          extraDisksMiB,
          ...(diskSizeMiB === undefined ? {} : { diskSizeMiB }),
          ...(kernel ? { kernel } : {}),
        };
        const def = await driver.createVmFromTemplate(spec, progressOf(ctx));
        if (start) {
          ctx.progress(undefined, `starting ${def.name}`);
          await driver.startVm(def.uuid);
        }
        return { workloadId: def.uuid, name: def.name, started: start };
      }),
    "vm.start": ({ workloadId }) => run(async () => void (await driver.startVm(workloadId))),
    "vm.shutdown": ({ workloadId, timeoutSeconds }, ctx) =>
      run(async () => {
        ctx.progress(undefined, "ACPI power button pressed; waiting for the guest");
        await driver.stopVm(workloadId, false, timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000);
        return undefined;
      }),
    "vm.poweroff": ({ workloadId }) => run(async () => void (await driver.stopVm(workloadId, true))),
    "vm.pause": ({ workloadId }) => run(async () => void (await driver.pauseVm(workloadId))),
    "vm.resume": ({ workloadId }) => run(async () => void (await driver.resumeVm(workloadId))),
    "vm.reboot": ({ workloadId }) => run(async () => void (await driver.rebootVm(workloadId))),
    "vm.set_memory": ({ workloadId, memoryMiB }, ctx) =>
      run(async () => {
        const bytes = await driver.setMemory(workloadId, memoryMiB, progressOf(ctx));
        return { memoryMiB: Math.round(bytes / (1024 * 1024)), memoryBytes: bytes };
      }),
    "vm.snapshot.create": ({ workloadId, name }, ctx) =>
      run(async () => ({ snapshot: await driver.createSnapshot(workloadId, name, progressOf(ctx)) })),
    "vm.snapshot.list": ({ workloadId }) => run(async () => ({ snapshots: await driver.listSnapshots(workloadId) })),
    "vm.snapshot.revert": ({ workloadId, name }, ctx) =>
      run(async () => void (await driver.revertSnapshot(workloadId, name, progressOf(ctx)))),
    "vm.snapshot.delete": ({ workloadId, name }, ctx) =>
      run(async () => void (await driver.deleteSnapshot(workloadId, name, progressOf(ctx)))),
    "vm.clone": ({ workloadId, name, mode }, ctx) =>
      run(async () => {
        const def = await driver.cloneVm(workloadId, { name, mode }, progressOf(ctx), ctx.signal);
        return { workloadId: def.uuid, name: def.name };
      }),
    "vm.delete": ({ workloadId, deleteDisks }) =>
      run(async () => void (await driver.removeVm(workloadId, { deleteDisks }))),

    "vm.migration.source": ({ workloadId }) => run(async () => ({ ...(await driver.migrationSource(workloadId)) })),
    "vm.migration.prepare_incoming": ({ source, listenHost, port, storage, timeoutMs }) =>
      run(async () => {
        // The driver validates the definition against its own schema (migrationSourceSchema).
        const target = await driver.prepareIncoming(source as unknown as MigrationSource, {
          listenHost,
          storage,
          ...(port === undefined ? {} : { port }),
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
        });
        return { ...target };
      }),
    "vm.migration.migrate_out": ({ workloadId, target, downtimeLimitMs, maxBandwidthBytesPerSec }, ctx) =>
      run(async () => {
        // The first report comes right after QMP `migrate` (or the first disk mirror) was issued:
        // its time is what the control plane measures its own overhead against.
        let migrateIssuedAt: number | null = null;
        const result = await driver.migrateOut(workloadId, {
          ...target,
          ...(downtimeLimitMs === undefined ? {} : { downtimeLimitMs }),
          ...(maxBandwidthBytesPerSec === undefined ? {} : { maxBandwidthBytesPerSec }),
          signal: ctx.signal,
          onProgress: (progress, message, data) => {
            migrateIssuedAt ??= Date.now();
            ctx.progress(progress, message, { ...data, migrateIssuedAt });
          },
        });
        return { ...result, migrateIssuedAt };
      }),
    "vm.migration.await_incoming": ({ workloadId }) =>
      run(async () => {
        try {
          return { confirmed: true, ...(await driver.awaitIncoming(workloadId)) };
        } catch (error) {
          // Arrived but not running, and removed here: the control plane resumes it on the source.
          if (error instanceof NotConfirmedError)
            return { confirmed: false, arrivedAt: null, resumedAt: null, reason: error.message };
          throw error;
        }
      }),
    "vm.migration.finish_source": ({ workloadId, outcome, storage }) =>
      run(async () => ({ ...(await driver.finishSource(workloadId, outcome, storage)) })),
    "vm.migration.abort_incoming": ({ workloadId, reason }) =>
      run(async () => void (await driver.abortIncoming(workloadId, reason))),
  };
}
