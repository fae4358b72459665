/**
 * Starts Flotilla's server: `tsx apps/web/server.ts [--dev] [--no-ui]`.
 * --dev runs Next.js in development mode (HMR); --no-ui (or FLOTILLA_UI=off) serves the API only.
 */
import { createAppServer } from "./src/server/app-server.js";
import { loadConfig } from "./src/server/env.js";
import { createLogger } from "./src/server/logger.js";

const config = loadConfig();
const log = createLogger(config);
const app = createAppServer(config, { logger: log });

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "shutting down");
  // A second signal, or a shutdown that hangs, ends the process anyway.
  const force = setTimeout(() => process.exit(1), 30_000);
  force.unref();
  try {
    await app.stop();
    process.exit(0);
  } catch (err) {
    log.error({ err }, "shutdown failed");
    process.exit(1);
  }
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("unhandledRejection", (err) => log.error({ err }, "unhandled promise rejection"));

try {
  await app.start();
} catch (err) {
  log.fatal({ err }, "server failed to start");
  await app.stop().catch(() => {});
  process.exit(1);
}
console.log(`Flotilla listening on ${app.url}`);
