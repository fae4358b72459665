/**
 * What a command handler is. Handlers are registered by command name (CommandRegistry): the
 * agent registers its own, and each driver may contribute more through
 * `Driver.commandHandlers()` (the docker driver: container.* and image.*). The runner around
 * them guarantees at-most-once per id, the deadline and cancellation; a handler only does
 * the work, reports progress, and stops when `signal` aborts.
 */
import type { CommandErrorCode, CommandName, CommandPayload } from "@flotilla/protocol";
import type { Logger } from "../logger.js";

/** Anything JSON-serialisable, sent as `command_result.result`. */
export type CommandResult = Record<string, unknown>;

export interface CommandHandlerContext {
  readonly commandId: string;
  /** ms since the epoch; `signal` aborts then (reason "deadline"). */
  readonly deadline: number;
  /** Aborts on `cancel`, at the deadline, and when the agent stops; stop the work and return or throw. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** How far it is (0..1, or undefined when unknown), a line for people, structured detail. */
  progress(progress?: number, message?: string, data?: Record<string, unknown>): void;
  /**
   * Streamed output (logs, build output): lines without their newline. Batched into
   * command_progress frames with `data: {stream, lines}`; flushed before the result.
   */
  output(stream: "stdout" | "stderr", lines: readonly string[]): void;
  /** The bytes of a blob the command names (image.build's context), checked against its sha256. */
  fetchBlob(ref: { blobId: string; sha256: string; size: number }): Promise<Buffer>;
}

export type CommandHandler<N extends CommandName = CommandName> = (
  payload: CommandPayload<N>,
  ctx: CommandHandlerContext,
) => Promise<CommandResult | undefined>;

/** Handlers by command name, as a driver contributes them. */
export type CommandHandlers = { [N in CommandName]?: CommandHandler<N> };

/** A failure with the code to report in `command_result.error` (anything else is `command_failed`). */
export class CommandError extends Error {
  constructor(
    readonly code: CommandErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "CommandError";
  }
}
