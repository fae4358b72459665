/** The simulated host of `flotilla-agent sim` and tests: a sim host collector and one sim driver. */
import type { HostRuntime } from "./select.js";
import { SimDriver, type SimDriverOptions } from "./sim/sim-driver.js";
import { SimHostCollector } from "./sim/sim-host-collector.js";
import { loadSimHostModel } from "./sim/sim-state.js";

export function selectSimHost(
  options: { seed: number; hostname: string; stateDir: string } & SimDriverOptions,
): HostRuntime {
  // As migrations last left it, if they moved anything (sim/sim-state.ts), else from the seed.
  const model = loadSimHostModel(options.seed, options.stateDir);
  return {
    hostCollector: new SimHostCollector(model, options.hostname, options.stateDir),
    drivers: [new SimDriver(model, options)],
  };
}
