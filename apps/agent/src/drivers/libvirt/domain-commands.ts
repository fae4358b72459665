/**
 * The `vm.*` commands for libvirt domains, each one virsh call: power (shutdown, poweroff/destroy,
 * pause/resume, reboot), memory through the balloon (setmem --live) and internal snapshots
 * (snapshot-create-as/list/revert/delete; with the guest's memory while it runs, qcow2 disks);
 * and creating, cloning and deleting domains (domain-provisioning.ts), with the qemu driver's
 * payloads and results. Migrating stays with the qemu driver. Registered only when the
 * qemu driver is absent (commands are taken by name, first driver first).
 */
import { CommandError, type CommandHandlers } from "../../commands/handler.js";
import { cloneDomain, createDomain, deleteDomain } from "./domain-provisioning.js";
import type { LibvirtDriver } from "./libvirt-driver.js";
import { VirshError } from "./virsh.js";
import { parseSnapshotList } from "./virsh-parsers.js";

const MiB = 1024 * 1024;

/** Runs `work`, turning virsh's failure into a command failure in virsh's own words. */
async function run<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof VirshError) throw new CommandError("command_failed", error.message);
    throw error;
  }
}

async function stateOf(driver: LibvirtDriver, uuid: string) {
  const domain = await driver.domain(uuid);
  return { uuid: domain.uuid, name: domain.name, state: domain.stats.state };
}

export function createDomainCommandHandlers(driver: LibvirtDriver): CommandHandlers {
  return {
    "vm.create": (payload, ctx) => run(() => createDomain(driver, payload, (f, m) => ctx.progress(f, m))),
    "vm.clone": ({ workloadId, name, mode }, ctx) =>
      run(async () =>
        cloneDomain(
          driver,
          await stateOf(driver, workloadId),
          { name, mode },
          (f, m) => ctx.progress(f, m),
          ctx.signal,
        ),
      ),
    "vm.delete": ({ workloadId, deleteDisks }) =>
      run(async () => void (await deleteDomain(driver, await stateOf(driver, workloadId), deleteDisks))),
    "vm.start": ({ workloadId }) => run(async () => void (await driver.startWorkload(workloadId))),
    "vm.shutdown": ({ workloadId, timeoutSeconds }, ctx) =>
      run(async () => {
        ctx.progress(undefined, "ACPI power button pressed; waiting for the guest");
        await driver.stopWorkload(workloadId, false, timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000);
        return undefined;
      }),
    "vm.poweroff": ({ workloadId }) => run(async () => void (await driver.stopWorkload(workloadId, true))),
    "vm.pause": ({ workloadId }) => run(async () => void (await driver.onRunningDomain(workloadId, "suspend"))),
    "vm.resume": ({ workloadId }) =>
      run(async () => {
        const domain = await driver.domain(workloadId);
        if (domain.stats.state !== "paused") throw new CommandError("command_failed", `${domain.name} is not paused`);
        await driver.onDomain(workloadId, "resume");
        return undefined;
      }),
    "vm.reboot": ({ workloadId }) => run(async () => void (await driver.onRunningDomain(workloadId, "reboot"))),
    "vm.set_memory": ({ workloadId, memoryMiB }) =>
      run(async () => {
        const domain = await driver.domain(workloadId);
        const max = domain.stats.maxMemoryBytes;
        if (max !== undefined && memoryMiB * MiB > max)
          throw new CommandError("command_failed", `${domain.name} was given ${max / MiB} MiB: ask for at most that`);
        await driver.onRunningDomain(workloadId, "setmem", ["--size", String(memoryMiB * 1024), "--live"]);
        return { memoryMiB, memoryBytes: memoryMiB * MiB };
      }),
    "vm.snapshot.create": ({ workloadId, name }) =>
      run(async () => {
        await driver.onDomain(workloadId, "snapshot-create-as", ["--name", name, "--atomic"]);
        const snapshots = parseSnapshotList(await driver.onDomain(workloadId, "snapshot-list"));
        return { snapshot: snapshots.find((s) => s.name === name) ?? { id: name, name } };
      }),
    "vm.snapshot.list": ({ workloadId }) =>
      run(async () => ({ snapshots: parseSnapshotList(await driver.onDomain(workloadId, "snapshot-list")) })),
    "vm.snapshot.revert": ({ workloadId, name }) =>
      run(async () => void (await driver.onDomain(workloadId, "snapshot-revert", ["--snapshotname", name]))),
    "vm.snapshot.delete": ({ workloadId, name }) =>
      run(async () => void (await driver.onDomain(workloadId, "snapshot-delete", ["--snapshotname", name]))),
  };
}
