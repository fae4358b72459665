/**
 * Runs `command` frames through the registered handlers, each id AT MOST ONCE: the id is
 * written to the command store BEFORE the handler starts, so after a crash the id is known as
 * started-but-unfinished and is answered `interrupted`, never run again. A finished id gets its
 * stored result again. Handlers get an AbortSignal that fires on `cancel`, at the deadline and
 * when the agent stops.
 */
import type { CommandErrorCode, CommandFrame, CommandProgressFrame, CommandResultFrame } from "@flotilla/protocol";
import { isCommandName } from "@flotilla/protocol";
import type { Logger } from "../logger.js";
import type { BlobFetcher } from "./blob-client.js";
import type { CommandStore } from "./command-store.js";
import { CommandError, type CommandHandler, type CommandHandlerContext, type CommandResult } from "./handler.js";
import { OutputBatcher } from "./output-batcher.js";
import type { CommandRegistry } from "./registry.js";

export { CommandError } from "./handler.js";

export type FrameSink = (frame: CommandProgressFrame | CommandResultFrame) => boolean;

/** Why a running command's signal fired; becomes its error code. */
type AbortCause = Extract<CommandErrorCode, "cancelled" | "deadline_exceeded" | "interrupted">;

const ABORT_MESSAGES: Record<AbortCause, string> = {
  cancelled: "cancelled",
  deadline_exceeded: "the command's deadline passed while it ran",
  interrupted: "the agent stopped while this command ran",
};

/** Longest timer Node accepts; later deadlines are re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

export interface CommandRunnerOptions {
  store: CommandStore;
  registry: CommandRegistry;
  send: FrameSink;
  logger: Logger;
  /** How long an aborted handler may take to wind down before its result is reported anyway. */
  abortGraceMs?: number;
  /** Downloads blobs from the server with the agent's credential. */
  fetchBlob?: BlobFetcher;
}

export class CommandRunner {
  /** Ids being run by this process right now. */
  private readonly running = new Map<string, Running>();
  private readonly abortGraceMs: number;

  constructor(private readonly options: CommandRunnerOptions) {
    this.abortGraceMs = options.abortGraceMs ?? 2_000;
  }

  get runningCount(): number {
    return this.running.size;
  }

  async handle(frame: CommandFrame): Promise<void> {
    const { store, logger } = this.options;
    const id = frame.id;
    const log = logger.child({ commandId: id, command: frame.command.name });
    if (this.running.has(id)) {
      this.progress(id, undefined, "already running");
      return;
    }
    const known = store.get(id);
    if (known?.state === "done" && known.result) {
      log.info("command already ran: sending its result again");
      this.options.send(known.result);
      return;
    }
    if (known?.state === "running") {
      // Started by an earlier process that died before finishing: never run it a second time.
      return this.finish(id, log, failure("interrupted", "the agent stopped while running this command"));
    }
    if (frame.deadline <= Date.now()) {
      return this.finish(id, log, failure("deadline_exceeded", "the command's deadline passed before it ran"));
    }
    const handler = this.options.registry.get(frame.command.name);
    if (!handler) {
      const offered = this.options.registry.names().join(", ");
      return this.finish(
        id,
        log,
        failure("unknown_command", `this agent cannot run ${frame.command.name} (it runs: ${offered})`),
      );
    }

    // Registered synchronously, before any await: a second delivery of the id sees it at once.
    const controller = new AbortController();
    let settle: () => void = () => {};
    this.running.set(id, { controller, done: new Promise((resolve) => (settle = resolve)) });
    try {
      try {
        await store.markRunning(id);
      } catch (error) {
        // Without the record a crash could make it run twice: refuse instead.
        log.error({ err: error }, "cannot record the command before running it");
        this.options.send(
          resultFrame(id, failure("command_failed", "the agent could not record the command; not run")),
        );
        return;
      }
      log.info("running command");
      const outcome = await this.execute(frame, handler, controller, log);
      await this.finish(id, log, outcome.error, outcome.result);
    } finally {
      this.running.delete(id);
      settle();
    }
  }

  /** A `cancel` frame: abort it if running; if never seen, remember it so it never runs. */
  async cancel(commandId: string): Promise<void> {
    const running = this.running.get(commandId);
    if (running) {
      running.controller.abort("cancelled" satisfies AbortCause);
      return;
    }
    if (this.options.store.get(commandId)) return; // finished, or interrupted: it answers for itself
    const log = this.options.logger.child({ commandId });
    await this.finish(commandId, log, failure("cancelled", "cancelled before it reached this agent"));
  }

  /** A command frame this agent could not read: answered, never run, not remembered. */
  rejectUnreadable(commandId: string, name: string | undefined, problem: string): void {
    const known = isCommandName(name ?? "");
    this.options.logger.warn(
      { commandId, command: name, problem },
      known ? "invalid command payload" : "unknown command",
    );
    const error = known
      ? failure("invalid_command", `invalid ${name} command: ${problem}`.slice(0, 4096))
      : failure("unknown_command", `this agent does not know the command ${JSON.stringify(name ?? null)}`);
    this.options.send(resultFrame(commandId, error));
  }

  /** Agent shutdown: abort everything running and wait (bounded) for their results to be recorded. */
  async stopAll(): Promise<void> {
    const all = [...this.running.values()];
    for (const r of all) r.controller.abort("interrupted" satisfies AbortCause);
    await Promise.all(all.map((r) => r.done));
  }

  private async execute(
    frame: CommandFrame,
    handler: CommandHandler,
    controller: AbortController,
    log: Logger,
  ): Promise<{ result?: CommandResult; error?: CommandError }> {
    const id = frame.id;
    const batcher = new OutputBatcher((chunk) => this.progress(id, undefined, undefined, chunk));
    const deadlineTimer = armDeadline(frame.deadline, controller);
    let finished = false;
    const ctx: CommandHandlerContext = {
      commandId: id,
      deadline: frame.deadline,
      signal: controller.signal,
      log,
      progress: (progress, message, data) => {
        if (finished) return;
        batcher.flush(); // keep output and progress in the order the handler produced them
        this.progress(id, progress, message, data);
      },
      output: (stream, lines) => batcher.push(stream, lines),
      fetchBlob: async (ref) => {
        if (!this.options.fetchBlob) throw new CommandError("unsupported", "this agent cannot download blobs");
        return this.options.fetchBlob(ref, controller.signal);
      },
    };
    type Settled = { ok: true; result: CommandResult } | { ok: false; error: unknown };
    const work: Promise<Settled> = Promise.resolve()
      .then(() => handler(frame.command.payload, ctx))
      .then(
        (result) => ({ ok: true as const, result: result ?? {} }),
        (error: unknown) => ({ ok: false as const, error }),
      );
    const aborted = new Promise<null>((resolve) => controller.signal.addEventListener("abort", () => resolve(null)));
    let settled = await Promise.race([work, aborted]);
    try {
      if (settled !== null && !controller.signal.aborted) {
        return settled.ok ? { result: settled.result } : { error: asCommandError(settled.error) };
      }
      // Aborted: let the handler wind down, then report the cause, with any result it still gave.
      settled ??= await Promise.race([work, sleep(this.abortGraceMs).then(() => null)]);
      const cause = controller.signal.reason as AbortCause;
      if (settled === null) log.warn({ cause }, "the handler did not stop in time; reporting without it");
      return {
        error: failure(cause, ABORT_MESSAGES[cause]),
        ...(settled?.ok ? { result: settled.result } : {}),
      };
    } finally {
      clearTimeout(deadlineTimer.current);
      batcher.close();
      finished = true;
    }
  }

  private progress(commandId: string, progress?: number, message?: string, data?: Record<string, unknown>): void {
    this.options.send({
      type: "command_progress",
      commandId,
      ts: Date.now(),
      ...(progress === undefined ? {} : { progress: Math.min(1, Math.max(0, progress)) }),
      ...(message === undefined ? {} : { message: message.slice(0, 4096) }),
      ...(data === undefined ? {} : { data }),
    });
  }

  private async finish(commandId: string, log: Logger, error?: CommandError, result?: CommandResult): Promise<void> {
    const frame = resultFrame(commandId, error, result);
    if (error) log.warn({ code: error.code, message: error.message }, "command failed");
    else log.info("command succeeded");
    await this.options.store
      .finish(commandId, frame)
      .catch((e: unknown) => log.error({ err: e }, "could not record the command result"));
    // If the link is down the result is lost for now; the server sends the command again on
    // reconnect and gets the stored result then.
    this.options.send(frame);
  }
}

function failure(code: CommandErrorCode, message: string): CommandError {
  return new CommandError(code, message);
}

function asCommandError(error: unknown): CommandError {
  if (error instanceof CommandError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return failure("command_failed", message || "failed");
}

function resultFrame(commandId: string, error?: CommandError, result?: CommandResult): CommandResultFrame {
  return {
    type: "command_result",
    commandId,
    ts: Date.now(),
    ok: !error,
    ...(result ? { result } : {}),
    ...(error ? { error: { code: error.code, message: error.message.slice(0, 4096) } } : {}),
  };
}

/** Aborts with "deadline_exceeded" at `deadline`, re-arming for deadlines beyond a timer's reach. */
function armDeadline(deadline: number, controller: AbortController): { current: NodeJS.Timeout | undefined } {
  const handle: { current: NodeJS.Timeout | undefined } = { current: undefined };
  const arm = () => {
    const left = deadline - Date.now();
    if (left <= 0) return controller.abort("deadline_exceeded" satisfies AbortCause);
    handle.current = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
  };
  arm();
  return handle;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
