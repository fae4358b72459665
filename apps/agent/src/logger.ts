/** pino logging to stderr (stdout stays for command output); secrets and tokens are redacted by path. */
import pino, { type Logger } from "pino";

export type { Logger } from "pino";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A safety net only: code must not put secrets into log objects in the first place. */
const REDACT_PATHS = [
  "secret",
  "*.secret",
  "token",
  "*.token",
  "authorization",
  "*.authorization",
  "*.*.authorization",
  // image.pull carries a registry login resolved by the server at send time.
  "password",
  "*.password",
  "*.auth.password",
  "*.*.auth.password",
  "command.payload.auth.password",
];

export function createLogger(
  level: LogLevel,
  destination: pino.DestinationStream = pino.destination({ dest: 2, sync: true }),
): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    },
    destination,
  );
}

/** For tests and library use: a logger that writes nothing. */
export function createSilentLogger(): Logger {
  return pino({ level: "silent" });
}
