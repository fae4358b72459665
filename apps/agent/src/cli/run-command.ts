/** `flotilla-agent run`: one agent for this host, until SIGINT/SIGTERM or a fatal refusal. */
import { Agent } from "../agent.js";
import type { RunConfig } from "../config.js";
import { describeHost, selectRealHost } from "../drivers/select.js";
import { enrollAgent } from "../enroll.js";
import { AgentError, exitCodeFor } from "../errors.js";
import type { Logger } from "../logger.js";
import { credentialsTooOpen, readCredentials } from "../state/credentials.js";
import { onStopSignal } from "./signals.js";

export async function runCommand(config: RunConfig, logger: Logger): Promise<number> {
  const runtime = await selectRealHost({
    stateDir: config.stateDir,
    drivers: config.drivers,
    ...(config.dockerSocket ? { dockerSocket: config.dockerSocket } : {}),
    logger,
  });
  let credentials = await readCredentials(config.stateDir);
  if (!credentials) {
    if (!config.token || !config.server) {
      throw new AgentError(
        "not_enrolled",
        `no credentials in ${config.stateDir}: run "flotilla-agent enroll --server URL --token TOKEN --state-dir ${config.stateDir}" first, or give run --server and --token`,
      );
    }
    const host = await describeHost(runtime);
    credentials = await enrollAgent({
      server: config.server,
      token: config.token,
      stateDir: config.stateDir,
      host,
      logger,
    });
  }
  if (await credentialsTooOpen(config.stateDir)) {
    logger.warn(`${config.stateDir}/credentials.json is readable by other users; it should be mode 0600`);
  }

  return new Promise<number>((resolve, reject) => {
    const agent = new Agent({
      stateDir: config.stateDir,
      credentials,
      ...(config.server ? { server: config.server } : {}),
      intervalMs: config.intervalMs,
      spoolMaxBytes: config.spoolMaxBytes,
      logger,
      ...runtime,
      onFatal: (error) => {
        removeSignals();
        logger.fatal(error.message);
        resolve(exitCodeFor(error));
      },
    });
    const removeSignals = onStopSignal(logger, () => {
      agent.stop().then(() => resolve(0), reject);
    });
    agent.start().catch((error: unknown) => {
      removeSignals();
      reject(error);
    });
  });
}
