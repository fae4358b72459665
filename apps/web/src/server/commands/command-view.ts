/**
 * How a command looks outside the database: to the API (CommandView), to browsers
 * (`command:update`), and the limits and defaults every writer shares.
 */
import type { Command as CommandRow } from "@flotilla/db";
import { type CommandName, isCancellable } from "@flotilla/protocol";
import type { CommandUpdateEvent } from "../../shared/live-events.js";
import { type CommandErrorInfo, type CommandState, isActive } from "./state-machine.js";

/** The notification channel a new, cancelled or timed-out command id is announced on. */
export const COMMANDS_CHANNEL = "flotilla_commands";

/** Progress and output events kept per command; state changes are always kept. */
export const MAX_EVENTS_PER_COMMAND = 500;
/** Output lines kept per stored event (the live stream carries all of them). */
export const MAX_STORED_LINES = 200;

export const MIN_DEADLINE_MS = 1_000;
export const MAX_DEADLINE_MS = 24 * 3_600_000;

const MINUTE = 60_000;
/** How long a command may wait for its agent and run, unless the request says otherwise. */
export function defaultDeadlineMs(command: { name: CommandName; payload: unknown }): number {
  switch (command.name) {
    case "image.build":
      return 60 * MINUTE;
    case "image.pull":
      return 30 * MINUTE;
    case "container.create":
      return 15 * MINUTE;
    case "container.logs":
      return (command.payload as { follow?: boolean }).follow ? 60 * MINUTE : 2 * MINUTE;
    case "container.start":
    case "container.stop":
    case "container.restart":
    case "container.remove":
      return 5 * MINUTE;
    default:
      return 2 * MINUTE;
  }
}

/** A payload as the API shows it: secrets (registry passwords) never leave the server. */
export function redactPayload(payload: unknown): unknown {
  if (typeof payload !== "object" || payload === null || !("auth" in payload)) return payload;
  return { ...payload, auth: "[redacted]" };
}

export interface CommandView {
  id: string;
  hostId: string;
  name: string;
  payload: unknown;
  state: CommandState;
  progress: number | null;
  message: string | null;
  result: unknown;
  error: CommandErrorInfo | null;
  idempotencyKey: string | null;
  attempts: number;
  /** Whether `commands.cancel` would do something now. */
  cancellable: boolean;
  cancelRequested: boolean;
  requestedById: string | null;
  deadline: string;
  createdAt: string;
  sentAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function toCommandView(row: CommandRow): CommandView {
  const state = row.state as CommandState;
  return {
    id: row.id,
    hostId: row.hostId,
    name: row.name,
    payload: redactPayload(row.payload),
    state,
    progress: row.progress,
    message: messageOf(row),
    result: row.result ?? null,
    error: (row.error as CommandErrorInfo | null) ?? null,
    idempotencyKey: row.idempotencyKey,
    attempts: row.attempts,
    cancellable: state === "pending" || (isActive(state) && isCancellable(row.name) && !row.cancelRequestedAt),
    cancelRequested: row.cancelRequestedAt !== null,
    requestedById: row.requestedById,
    deadline: row.deadline.toISOString(),
    createdAt: row.createdAt.toISOString(),
    sentAt: iso(row.sentAt),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
  };
}

/** The line a person reads: the failure's own words once it failed, else the latest progress message. */
function messageOf(row: Pick<CommandRow, "error" | "lastMessage">): string | null {
  const error = row.error as CommandErrorInfo | null;
  return error?.message ?? row.lastMessage;
}

export function toUpdateEvent(row: CommandRow): CommandUpdateEvent {
  return {
    id: row.id,
    hostId: row.hostId,
    name: row.name,
    state: row.state as CommandState,
    progress: row.progress,
    message: messageOf(row),
  };
}
