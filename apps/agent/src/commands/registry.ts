/** Command handlers by name: what this agent can run, announced in `hello.capabilities`. */
import type { CommandName } from "@flotilla/protocol";
import type { Driver } from "../drivers/driver.js";
import type { Logger } from "../logger.js";
import { type BuiltinHandlerDeps, createBuiltinHandlers } from "./builtin-handlers.js";
import type { CommandHandler, CommandHandlers } from "./handler.js";

export class CommandRegistry {
  private readonly handlers = new Map<CommandName, { handler: CommandHandler; owner: string }>();

  constructor(private readonly log: Logger) {}

  /** Adds a handler; a name already taken keeps its first handler (two drivers offering one command). */
  register<N extends CommandName>(name: N, handler: CommandHandler<N>, owner = "agent"): boolean {
    const existing = this.handlers.get(name);
    if (existing) {
      this.log.warn(
        { command: name, kept: existing.owner, ignored: owner },
        "a command has two handlers; keeping the first",
      );
      return false;
    }
    // Stored under its own name, so it is only ever called with that command's payload.
    this.handlers.set(name, { handler: handler as unknown as CommandHandler, owner });
    return true;
  }

  registerAll(handlers: CommandHandlers, owner: string): void {
    for (const [name, handler] of Object.entries(handlers) as Array<[CommandName, CommandHandler | undefined]>) {
      if (handler) this.register(name, handler, owner);
    }
  }

  get(name: CommandName): CommandHandler | undefined {
    return this.handlers.get(name)?.handler;
  }

  names(): CommandName[] {
    return [...this.handlers.keys()].sort();
  }
}

/** The agent's own handlers, then every driver's (`Driver.commandHandlers()`), in driver order. */
export function buildCommandRegistry(
  log: Logger,
  drivers: readonly Driver[],
  deps: Omit<BuiltinHandlerDeps, "drivers">,
): CommandRegistry {
  const registry = new CommandRegistry(log);
  registry.registerAll(createBuiltinHandlers({ drivers, ...deps }), "agent");
  for (const driver of drivers) {
    if (driver.commandHandlers) registry.registerAll(driver.commandHandlers(), driver.name);
  }
  return registry;
}
