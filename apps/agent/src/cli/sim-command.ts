/** `flotilla-agent sim`: a fleet of simulated hosts in this process, until SIGINT/SIGTERM. */
import type { SimConfig } from "../config.js";
import { AgentError } from "../errors.js";
import type { Logger } from "../logger.js";
import { SimFleet } from "../sim-fleet.js";
import { onStopSignal } from "./signals.js";

export async function simCommand(config: SimConfig, logger: Logger): Promise<number> {
  const fleet = new SimFleet({ ...config, logger });
  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    onStopSignal(logger, () => {
      stopping = true;
      fleet.stop().finally(resolve);
    });
  });
  const started = await fleet.start();
  if (started === 0 && !stopping) throw new AgentError("not_enrolled", "no simulated host could be enrolled");
  logger.info({ hosts: started, of: config.count }, "simulated fleet running");
  await stopped;
  return 0;
}
