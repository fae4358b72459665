/** Structured logs (pino). Secrets never reach a log line: these paths are censored as a backstop. */
import { type Logger, pino } from "pino";
import type { Config } from "./env.js";

export type { Logger };

const REDACT = [
  "req.headers.cookie",
  "req.headers.authorization",
  "headers.cookie",
  "headers.authorization",
  "*.password",
  // A registry login travels inside an image.pull payload: never log it, however deep.
  "*.auth.password",
  "*.*.auth.password",
  "command.payload.auth.password",
  "*.token",
  "*.secret",
  "password",
  "token",
  "secret",
];

export function createLogger(config: Pick<Config, "logLevel" | "nodeEnv">): Logger {
  return pino({
    level: config.logLevel,
    base: { service: "flotilla-web" },
    redact: { paths: REDACT, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
