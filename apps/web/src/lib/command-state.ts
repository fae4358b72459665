/**
 * How the dashboard reads a command's life: its states, folding `command:update` events into
 * what is shown (never backwards), what a finished command tells the operator to do next, and
 * a one-line description of what it was asked to do. Pure functions.
 */
import { type CommandUpdateEvent, isNewerCommandState } from "../shared/live-events";

export type CommandState = CommandUpdateEvent["state"];

export const COMMAND_STATE_LABELS: Record<CommandState, string> = {
  pending: "Pending",
  sent: "Sent",
  running: "Running",
  succeeded: "Succeeded",
  failed: "Failed",
  timed_out: "Timed out",
  cancelled: "Cancelled",
};

export function isActiveCommandState(state: CommandState): boolean {
  return state === "pending" || state === "sent" || state === "running";
}

/** The fields of a command that live updates change. */
export interface LiveCommandFields {
  id: string;
  state: CommandState;
  progress: number | null;
  message: string | null;
}

/**
 * `cmd` with the update applied, or `cmd` itself (same identity) when the update is for another
 * command, is older than what is shown, or changes nothing. A command that ends stops being
 * cancellable at once; a live one keeps what the server said until it is fetched again.
 */
export function applyCommandUpdate<T extends LiveCommandFields>(cmd: T, e: CommandUpdateEvent): T {
  if (e.id !== cmd.id || !isNewerCommandState(cmd.state, e.state)) return cmd;
  if (e.state === cmd.state && e.progress === cmd.progress && e.message === cmd.message) return cmd;
  const next: T = { ...cmd, state: e.state, progress: e.progress, message: e.message };
  if ("cancellable" in next && !isActiveCommandState(e.state)) (next as { cancellable: boolean }).cancellable = false;
  return next;
}

/** The newer of two updates for one command (by state; a later event of the same live state wins). */
export function newerUpdate(
  shown: CommandUpdateEvent | undefined,
  next: CommandUpdateEvent,
): CommandUpdateEvent | undefined {
  if (!shown) return next;
  return isNewerCommandState(shown.state, next.state) ? next : shown;
}

export interface CommandErrorLike {
  code: string;
  message: string;
}

export interface CommandOutcome {
  tone: "ok" | "warn" | "danger" | "neutral";
  title: string;
  /** What happened, in the agent's or the engine's own words. */
  detail: string | null;
  /** What the operator can do about it. */
  hint: string | null;
}

/** What the operator should read once a command ended; null while it is still live. */
export function describeOutcome(c: {
  name: string;
  state: CommandState;
  message: string | null;
  error?: CommandErrorLike | null;
}): CommandOutcome | null {
  const detail = c.error?.message ?? c.message;
  switch (c.state) {
    case "pending":
    case "sent":
    case "running":
      return null;
    case "succeeded":
      return { tone: "ok", title: "Succeeded", detail: null, hint: null };
    case "cancelled":
      return { tone: "neutral", title: "Cancelled", detail, hint: null };
    case "timed_out":
      return {
        tone: "warn",
        title: "Timed out",
        detail: detail ?? "The command did not finish before its deadline.",
        hint: "Check that the host is online and its agent connected, then try again.",
      };
    case "failed":
      return { tone: "danger", title: "Failed", detail: detail ?? "The agent reported a failure.", hint: hintFor(c) };
  }
}

function hintFor(c: { name: string; error?: CommandErrorLike | null }): string {
  switch (c.error?.code) {
    case "unknown_command":
      return `This host's agent cannot run ${c.name}: update the agent, or use a host whose driver supports it.`;
    case "unsupported":
      return "This host's driver cannot do that. Use a host whose driver supports it.";
    case "not_found":
      return "It is no longer on the host. Reload the list and try again.";
    case "invalid_command":
      return "The agent refused the request as invalid: check the values, or update the agent.";
    case "interrupted":
      return "The agent stopped while it ran and will not run it again. Check the current state before retrying.";
    case "deadline_exceeded":
      return "It ran past its deadline. Try again, or check the host's load.";
    default:
      return "Read the message above, fix the cause, then try again.";
  }
}

const VERBS: Record<string, string> = {
  "container.start": "Start",
  "container.stop": "Stop",
  "container.restart": "Restart",
  "container.remove": "Remove",
  "container.logs": "Logs of",
  "workload.start": "Start",
  "workload.stop": "Stop",
  "vm.start": "Start",
  "vm.shutdown": "Shut down",
  "vm.poweroff": "Power off",
  "vm.pause": "Pause",
  "vm.resume": "Resume",
  "vm.reboot": "Reboot",
  "vm.set_memory": "Resize memory of",
  "vm.snapshot.create": "Snapshot",
  "vm.snapshot.list": "List snapshots of",
  "vm.snapshot.revert": "Revert",
  "vm.snapshot.delete": "Delete a snapshot of",
  "vm.clone": "Clone",
  "vm.delete": "Delete",
};

/** Shortens a driver id (a 64-hex container id) the way `docker ps` does. */
export function shortId(id: string): string {
  return /^[0-9a-f]{64}$/i.test(id) ? id.slice(0, 12) : id;
}

function str(payload: unknown, key: string): string | null {
  if (typeof payload !== "object" || payload === null) return null;
  const value = (payload as Record<string, unknown>)[key];
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : null;
}

/**
 * What a command asks for, in a few words: "Stop web-1", "Pull nginx:1.27", "List images".
 * `nameOf` turns a driver's workload id into the workload's name when it is known.
 */
export function describeCommand(
  name: string,
  payload: unknown,
  nameOf: (externalId: string) => string | undefined = () => undefined,
): string {
  const verb = VERBS[name];
  const workloadId = str(payload, "workloadId");
  if (verb && workloadId) return `${verb} ${nameOf(workloadId) ?? shortId(workloadId)}`;
  switch (name) {
    case "container.create": {
      const image = str(payload, "image") ?? "an image";
      const container = str(payload, "name");
      return container ? `Run ${container} from ${image}` : `Run ${image}`;
    }
    case "image.list":
      return "List images";
    case "image.pull":
      return `Pull ${str(payload, "reference") ?? "an image"}`;
    case "image.build":
      return `Build ${str(payload, "tag") ?? "an image"}`;
    case "inventory.refresh":
      return "Refresh the inventory";
    case "metrics.set_interval": {
      const ms = Number(str(payload, "intervalMs"));
      return Number.isFinite(ms) ? `Collect metrics every ${ms / 1000} s` : "Change the metrics interval";
    }
    default:
      return name;
  }
}
