/** Graceful stop on SIGINT/SIGTERM; a second signal exits at once. */
import type { Logger } from "../logger.js";

export function onStopSignal(logger: Logger, stop: (signal: NodeJS.Signals) => void): () => void {
  let received = false;
  const handler = (signal: NodeJS.Signals) => {
    if (received) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(130);
    }
    received = true;
    logger.info({ signal }, "stopping");
    stop(signal);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
