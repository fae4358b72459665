/**
 * The command state machine, as pure functions: which states are final, what an agent's
 * result means, what a cancel does, and when the sweeper gives up. Every writer of
 * Command.state goes through these rules (and through conditional updates on the state it
 * expects), so concurrent writers on several server nodes cannot move a command backwards.
 *
 *   pending --send--> sent --first progress--> running --result--> succeeded | failed
 *      |                 \______________________/     \
 *      |                            |                   `--deadline / cancel--> timed_out | cancelled
 *      `--withdrawn (never sent) --> cancelled;  --deadline while the agent is away--> timed_out
 */
import { type CommandErrorCode, type CommandResultFrame, isCancellable } from "@flotilla/protocol";

export const COMMAND_STATES = ["pending", "sent", "running", "succeeded", "failed", "timed_out", "cancelled"] as const;
export type CommandState = (typeof COMMAND_STATES)[number];

/** States in which the command may still change; everything else is final. */
export const ACTIVE_STATES = ["pending", "sent", "running"] as const satisfies readonly CommandState[];
export type ActiveState = (typeof ACTIVE_STATES)[number];

export function isActive(state: CommandState): state is ActiveState {
  return (ACTIVE_STATES as readonly string[]).includes(state);
}

export function isTerminal(state: CommandState): boolean {
  return !isActive(state);
}

const TRANSITIONS: Record<CommandState, readonly CommandState[]> = {
  pending: ["sent", "running", "succeeded", "failed", "timed_out", "cancelled"],
  sent: ["running", "succeeded", "failed", "timed_out", "cancelled"],
  running: ["succeeded", "failed", "timed_out", "cancelled"],
  succeeded: [],
  failed: [],
  timed_out: [],
  cancelled: [],
};

/** Whether a command may move from `from` to `to` (never backwards, never out of a final state). */
export function canTransition(from: CommandState, to: CommandState): boolean {
  return TRANSITIONS[from].includes(to);
}

export interface CommandErrorInfo {
  code: CommandErrorCode | "server_error";
  message: string;
}

/** What an agent's command_result means for the command. */
export function outcomeOfResult(frame: Pick<CommandResultFrame, "ok" | "error">): {
  state: "succeeded" | "failed" | "timed_out" | "cancelled";
  error: CommandErrorInfo | null;
} {
  if (frame.ok) return { state: "succeeded", error: null };
  const error: CommandErrorInfo = frame.error ?? { code: "command_failed", message: "the agent reported a failure" };
  if (error.code === "deadline_exceeded") return { state: "timed_out", error };
  if (error.code === "cancelled") return { state: "cancelled", error };
  return { state: "failed", error };
}

/**
 * What cancelling does in each state: `withdraw` a command no agent has seen (it becomes
 * cancelled at once), `signal` a cancellable one the agent has (it ends when the agent
 * reports), or nothing: it already finished, or it cannot be stopped once sent.
 */
export function cancelAction(command: {
  name: string;
  state: CommandState;
}): "withdraw" | "signal" | "finished" | "not_cancellable" {
  if (command.state === "pending") return "withdraw";
  if (isTerminal(command.state)) return "finished";
  return isCancellable(command.name) ? "signal" : "not_cancellable";
}

/**
 * After its deadline a command the agent never received times out at once. One the agent
 * has gets a grace period, since the agent stops it at the deadline itself and reports
 * `deadline_exceeded` with whatever it knows.
 */
export function isOverdue(command: { state: CommandState; deadline: Date }, now: Date, graceMs: number): boolean {
  if (command.state === "pending") return command.deadline.getTime() <= now.getTime();
  if (command.state === "sent" || command.state === "running")
    return command.deadline.getTime() + graceMs <= now.getTime();
  return false;
}

/** The message a timed-out command shows, depending on whether its agent ever had it. */
export function timeoutMessage(state: ActiveState): string {
  return state === "pending"
    ? "The host's agent was not connected before the deadline; the command was never sent."
    : "The command did not finish before its deadline.";
}
