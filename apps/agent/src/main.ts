/** The flotilla-agent command line: parse the configuration once, then run one command. */
import { type Config, parseConfig, USAGE } from "./config.js";
import { AgentError, exitCodeFor } from "./errors.js";
import { createLogger } from "./logger.js";
import { AGENT_VERSION } from "./version.js";

async function runConfig(config: Config): Promise<number> {
  switch (config.command) {
    case "help":
      process.stdout.write(USAGE);
      return 0;
    case "version":
      process.stdout.write(`flotilla-agent ${AGENT_VERSION}\n`);
      return 0;
    // Each command's modules load only when it runs (the bundle evaluates a dynamically imported
    // module on first use): `run` never pays the heap for the sim fleet's, nor `sim` for real drivers'.
    case "enroll":
      return (await import("./cli/enroll-command.js")).enrollCommand(config, createLogger(config.logLevel));
    case "run":
      return (await import("./cli/run-command.js")).runCommand(config, createLogger(config.logLevel));
    case "sim":
      return (await import("./cli/sim-command.js")).simCommand(config, createLogger(config.logLevel));
  }
}

async function main(): Promise<void> {
  let code: number;
  try {
    code = await runConfig(parseConfig(process.argv.slice(2), process.env));
  } catch (error) {
    // Expected failures (bad config, refused enrolment, an unusable state dir) get one clear
    // line; anything else is a bug and gets its stack.
    const expected = error instanceof AgentError || (error as NodeJS.ErrnoException)?.syscall !== undefined;
    const text = expected ? (error as Error).message : ((error as Error)?.stack ?? String(error));
    process.stderr.write(`flotilla-agent: ${text}\n`);
    code = exitCodeFor(error);
  }
  process.exit(code);
}

void main();
