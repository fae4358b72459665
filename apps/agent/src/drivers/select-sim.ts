/** The simulated host of `flotilla-agent sim` and tests: a sim host collector and one sim driver. */
import type { HostRuntime } from "./select.js";
import { generateHostModel } from "./sim/host-model.js";
import { SimDriver, type SimDriverOptions } from "./sim/sim-driver.js";
import { SimHostCollector } from "./sim/sim-host-collector.js";

export function selectSimHost(
  options: { seed: number; hostname: string; stateDir: string } & SimDriverOptions,
): HostRuntime {
  const model = generateHostModel(options.seed);
  return {
    hostCollector: new SimHostCollector(model, options.hostname, options.stateDir),
    drivers: [new SimDriver(model, options)],
  };
}
