/** `flotilla-agent enroll`: enrol this host and store its credentials. */
import type { EnrollConfig } from "../config.js";
import { describeHost, selectRealHost } from "../drivers/select.js";
import { enrollAgent } from "../enroll.js";
import type { Logger } from "../logger.js";

export async function enrollCommand(config: EnrollConfig, logger: Logger): Promise<number> {
  const runtime = await selectRealHost({
    stateDir: config.stateDir,
    drivers: config.drivers,
    ...(config.dockerSocket ? { dockerSocket: config.dockerSocket } : {}),
    logger,
  });
  const host = await describeHost(runtime);
  const credentials = await enrollAgent({
    server: config.server,
    token: config.token,
    stateDir: config.stateDir,
    host,
    force: config.force,
    logger,
  });
  process.stdout.write(
    `enrolled ${host.hostname} as agent ${credentials.agentId} (host ${credentials.hostId}); ` +
      `credentials in ${config.stateDir}/credentials.json\n`,
  );
  return 0;
}
