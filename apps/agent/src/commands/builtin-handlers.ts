/** The agent's own commands: inventory, metrics interval, and start/stop through whichever driver owns the workload. */
import type { Driver } from "../drivers/driver.js";
import { CommandError, type CommandHandlers } from "./handler.js";

export interface BuiltinHandlerDeps {
  drivers: readonly Driver[];
  /** Sends a full inventory; the workload count, or -1 when the link dropped meanwhile. */
  sendFullInventory: () => Promise<number>;
  setIntervalMs: (intervalMs: number) => Promise<void>;
}

export function createBuiltinHandlers({
  drivers,
  sendFullInventory,
  setIntervalMs,
}: BuiltinHandlerDeps): CommandHandlers {
  const findDriver = async (workloadId: string): Promise<Driver> => {
    for (const driver of drivers) {
      if ((await driver.inventory()).some((w) => w.id === workloadId)) return driver;
    }
    throw new CommandError("not_found", `no workload ${workloadId} on this host`);
  };
  const handlers: CommandHandlers = {
    "inventory.refresh": async () => {
      const count = await sendFullInventory();
      if (count < 0) throw new CommandError("command_failed", "the connection dropped while sending the inventory");
      return { workloads: count };
    },
    "metrics.set_interval": async ({ intervalMs }) => {
      await setIntervalMs(intervalMs);
      return { intervalMs };
    },
  };
  // Offered only when some driver can do it, so hello.capabilities tells the truth.
  if (drivers.some((d) => d.startWorkload)) {
    handlers["workload.start"] = async ({ workloadId }, ctx) => {
      ctx.progress(undefined, `starting ${workloadId}`);
      const driver = await findDriver(workloadId);
      if (!driver.startWorkload)
        throw new CommandError("unsupported", `the ${driver.name} driver cannot start workloads`);
      await driver.startWorkload(workloadId);
      return { workloadId };
    };
  }
  if (drivers.some((d) => d.stopWorkload)) {
    handlers["workload.stop"] = async ({ workloadId, force }, ctx) => {
      ctx.progress(undefined, `stopping ${workloadId}`);
      const driver = await findDriver(workloadId);
      if (!driver.stopWorkload)
        throw new CommandError("unsupported", `the ${driver.name} driver cannot stop workloads`);
      await driver.stopWorkload(workloadId, force);
      return { workloadId };
    };
  }
  return handlers;
}
