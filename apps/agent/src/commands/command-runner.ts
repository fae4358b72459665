/**
 * Runs `command` frames: each id at most once (a repeated id gets its stored result again),
 * reporting progress and a result; past its deadline a command is refused, not run.
 */
import type { Command, CommandFrame, CommandProgressFrame, CommandResultFrame } from "@flotilla/protocol";
import type { Logger } from "../logger.js";
import type { CommandStore } from "./command-store.js";

/** A failure to report in `command_result.error`. */
export class CommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the commands act on; the Agent provides it. */
export interface CommandTarget {
  /** Sends a full inventory now; returns the number of workloads. */
  refreshInventory(): Promise<number>;
  setIntervalMs(intervalMs: number): Promise<void>;
  startWorkload(workloadId: string): Promise<void>;
  stopWorkload(workloadId: string, force: boolean): Promise<void>;
}

/** The command names this agent runs, announced in `hello.capabilities`. */
export const SUPPORTED_COMMANDS = [
  "inventory.refresh",
  "metrics.set_interval",
  "workload.start",
  "workload.stop",
] as const satisfies readonly Command["name"][];

type Progress = (message: string, progress?: number) => void;

async function execute(command: Command, target: CommandTarget, progress: Progress): Promise<Record<string, unknown>> {
  switch (command.name) {
    case "inventory.refresh":
      return { workloads: await target.refreshInventory() };
    case "metrics.set_interval":
      await target.setIntervalMs(command.payload.intervalMs);
      return { intervalMs: command.payload.intervalMs };
    case "workload.start":
      progress(`starting ${command.payload.workloadId}`);
      await target.startWorkload(command.payload.workloadId);
      return { workloadId: command.payload.workloadId };
    case "workload.stop":
      progress(`stopping ${command.payload.workloadId}`);
      await target.stopWorkload(command.payload.workloadId, command.payload.force);
      return { workloadId: command.payload.workloadId };
  }
}

export type FrameSink = (frame: CommandProgressFrame | CommandResultFrame) => boolean;

export class CommandRunner {
  /** Ids being run by this process right now. */
  private readonly running = new Set<string>();

  constructor(
    private readonly store: CommandStore,
    private readonly target: CommandTarget,
    private readonly send: FrameSink,
    private readonly logger: Logger,
  ) {}

  async handle(frame: CommandFrame): Promise<void> {
    const log = this.logger.child({ commandId: frame.id, command: frame.command.name });
    const known = this.store.get(frame.id);
    if (this.running.has(frame.id)) {
      this.progress(frame.id, "already running");
      return;
    }
    if (known?.state === "done" && known.result) {
      log.info("command already ran: sending its result again");
      this.send(known.result);
      return;
    }
    if (known?.state === "running") {
      // Started by an earlier process that died before finishing: never run it a second time.
      await this.finish(
        frame.id,
        log,
        new CommandError("interrupted", "the agent restarted while running this command"),
      );
      return;
    }
    if (frame.deadline < Date.now()) {
      await this.finish(
        frame.id,
        log,
        new CommandError("deadline_exceeded", "the command's deadline passed before it ran"),
      );
      return;
    }

    this.running.add(frame.id);
    try {
      await this.store.markRunning(frame.id);
      log.info("running command");
      const result = await execute(frame.command, this.target, (message, progress) =>
        this.progress(frame.id, message, progress),
      );
      await this.finish(frame.id, log, undefined, result);
    } catch (error) {
      const failure =
        error instanceof CommandError
          ? error
          : new CommandError("command_failed", (error as Error).message || "failed");
      await this.finish(frame.id, log, failure);
    } finally {
      this.running.delete(frame.id);
    }
  }

  /** A command frame this agent could not read: answered, never run, not remembered. */
  rejectUnreadable(commandId: string, name: string | undefined, problem: string): void {
    const known = (SUPPORTED_COMMANDS as readonly string[]).includes(name ?? "");
    this.logger.warn({ commandId, command: name, problem }, known ? "invalid command payload" : "unknown command");
    this.send({
      type: "command_result",
      commandId,
      ts: Date.now(),
      ok: false,
      error: known
        ? { code: "invalid_command", message: `invalid ${name} command: ${problem}`.slice(0, 4096) }
        : { code: "unknown_command", message: `this agent does not know the command ${JSON.stringify(name ?? null)}` },
    });
  }

  private progress(commandId: string, message: string, progress?: number): void {
    this.send({
      type: "command_progress",
      commandId,
      ts: Date.now(),
      message,
      ...(progress === undefined ? {} : { progress }),
    });
  }

  private async finish(
    commandId: string,
    log: Logger,
    error: CommandError | undefined,
    result?: Record<string, unknown>,
  ): Promise<void> {
    const frame: CommandResultFrame = error
      ? {
          type: "command_result",
          commandId,
          ts: Date.now(),
          ok: false,
          error: { code: error.code, message: error.message },
        }
      : { type: "command_result", commandId, ts: Date.now(), ok: true, result: result ?? {} };
    if (error) log.warn({ code: error.code, message: error.message }, "command failed");
    else log.info("command succeeded");
    await this.store
      .finish(commandId, frame)
      .catch((e) => log.error({ err: e }, "could not record the command result"));
    // If the link is down the result is lost for now; the server sends the command again on
    // reconnect and gets the stored result then.
    this.send(frame);
  }
}
