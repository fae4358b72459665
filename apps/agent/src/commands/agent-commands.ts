/** How the agent carries out each command: the CommandTarget the CommandRunner acts on. */
import type { Driver } from "../drivers/driver.js";
import { CommandError, type CommandTarget } from "./command-runner.js";

export interface AgentCommandDeps {
  drivers: readonly Driver[];
  /** Sends a full inventory; the workload count, or -1 when the link dropped meanwhile. */
  sendFullInventory: () => Promise<number>;
  setIntervalMs: (intervalMs: number) => Promise<void>;
}

export function createCommandTarget({ drivers, sendFullInventory, setIntervalMs }: AgentCommandDeps): CommandTarget {
  const findDriver = async (workloadId: string): Promise<Driver> => {
    for (const driver of drivers) {
      if ((await driver.inventory()).some((w) => w.id === workloadId)) return driver;
    }
    throw new CommandError("not_found", `no workload ${workloadId} on this host`);
  };
  return {
    refreshInventory: async () => {
      const count = await sendFullInventory();
      if (count < 0) throw new CommandError("command_failed", "the connection dropped while sending the inventory");
      return count;
    },
    setIntervalMs,
    startWorkload: async (id) => {
      const driver = await findDriver(id);
      if (!driver.startWorkload)
        throw new CommandError("unsupported", `the ${driver.name} driver cannot start workloads`);
      await driver.startWorkload(id);
    },
    stopWorkload: async (id, force) => {
      const driver = await findDriver(id);
      if (!driver.stopWorkload)
        throw new CommandError("unsupported", `the ${driver.name} driver cannot stop workloads`);
      await driver.stopWorkload(id, force);
    },
  };
}
