/**
 * The orchestrator's way of running one agent command as a step: requested through the commands
 * domain (so it is durable, audited, and passes the lease as its holder) with an idempotency key
 * per migration and step, so a resumed migration finds the command it already asked for instead
 * of asking twice; then followed in the Command table until it ends.
 */
import type { Command } from "@flotilla/protocol";
import { type CommandContext, requestCommand } from "../commands/request-command.js";

/** A step's command ended without success; `code` is the agent's (or the server's) error code. */
export class StepFailedError extends Error {
  override readonly name = "StepFailedError";
  constructor(
    readonly step: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The orchestrator is stopping: leave the migration as it is, a restart resumes it. */
export class OrchestratorStoppingError extends Error {
  override readonly name = "OrchestratorStoppingError";
}

export function requestStep(
  ctx: CommandContext,
  migrationId: string,
  step: string,
  hostId: string,
  command: Command,
  deadlineMs: number,
) {
  return requestCommand(ctx, { hostId, command, idempotencyKey: `migration:${migrationId}:${step}`, deadlineMs });
}

export interface WaitOptions {
  /** Called every poll while the command runs (progress relay, cancel checks). */
  onTick?: () => Promise<void>;
  stopping: () => boolean;
  pollMs?: number;
}

/**
 * Waits for a command to end; its result when it succeeded. Polling the table (every 50 ms while
 * a migration runs) works whichever server node holds the agents' connections.
 */
export async function awaitCommand(
  ctx: CommandContext,
  step: string,
  commandId: string,
  options: WaitOptions,
): Promise<Record<string, unknown>> {
  for (;;) {
    if (options.stopping()) throw new OrchestratorStoppingError("stopping");
    const row = await ctx.prisma.command.findUniqueOrThrow({
      where: { id: commandId },
      select: { state: true, result: true, error: true },
    });
    if (row.state === "succeeded") return (row.result ?? {}) as Record<string, unknown>;
    if (row.state === "failed" || row.state === "timed_out" || row.state === "cancelled") {
      const error = (row.error ?? {}) as { code?: string; message?: string };
      throw new StepFailedError(step, error.code ?? row.state, error.message ?? row.state);
    }
    await options.onTick?.();
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 50));
  }
}
