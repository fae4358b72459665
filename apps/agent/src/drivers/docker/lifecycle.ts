/**
 * Which protocol events a container's change deserves. Events are derived from what the engine
 * reports about the container before and after (start and finish times, state), not from the
 * event names alone: Docker and Podman name and order their events differently, a burst of
 * events (start, die, destroy of a `--rm` container) may be read after it is all over, and a
 * resync after a lost event stream must not repeat what was already reported.
 */
import type { DriverEvent } from "../driver.js";
import { engineTime, type InspectedContainer, normaliseState } from "./workload-mapping.js";

export interface LifecycleSnapshot {
  state: ReturnType<typeof normaliseState>;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  oomKilled?: boolean;
}

export function snapshotOf(container: InspectedContainer): LifecycleSnapshot {
  const s = container.State;
  const startedAt = engineTime(s?.StartedAt);
  const finishedAt = engineTime(s?.FinishedAt);
  return {
    state: normaliseState(s),
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(finishedAt !== undefined ? { finishedAt } : {}),
    ...(s?.ExitCode !== undefined ? { exitCode: s.ExitCode } : {}),
    ...(s?.OOMKilled ? { oomKilled: true } : {}),
  };
}

export interface LifecycleContext {
  id: string;
  name: string;
  /** Someone asked the engine to stop it (Flotilla, or a `docker stop`/`kill` seen as a kill event). */
  stopRequested: boolean;
}

/**
 * Events for the change from `before` (undefined: not known until now) to `after`, in the
 * order they happened. A finish is "stopped" when a stop was requested, else "exited"; both
 * carry the exit code.
 */
export function lifecycleEvents(
  before: LifecycleSnapshot | undefined,
  after: LifecycleSnapshot,
  ctx: LifecycleContext,
): DriverEvent[] {
  const base = { workloadId: ctx.id };
  const timed: Array<{ at: number; event: DriverEvent }> = [];
  const events: DriverEvent[] = [];
  if (!before) events.push({ ...base, kind: "workload.created", message: `${ctx.name} created` });

  if (after.startedAt !== undefined && after.startedAt !== before?.startedAt) {
    timed.push({ at: after.startedAt, event: { ...base, kind: "workload.started", message: `${ctx.name} started` } });
  }
  if (after.finishedAt !== undefined && after.finishedAt !== before?.finishedAt) {
    const code = after.exitCode ?? 0;
    const data = { exitCode: code, ...(after.oomKilled ? { oomKilled: true } : {}) };
    const event: DriverEvent = ctx.stopRequested
      ? { ...base, kind: "workload.stopped", message: `${ctx.name} stopped (exit code ${code})`, data }
      : { ...base, kind: "workload.exited", message: `${ctx.name} exited with code ${code}`, data };
    timed.push({ at: after.finishedAt, event });
  }
  timed.sort((a, b) => a.at - b.at);
  events.push(...timed.map((t) => t.event));

  if (before && before.state !== "paused" && after.state === "paused") {
    events.push({ ...base, kind: "workload.paused", message: `${ctx.name} paused` });
  } else if (before?.state === "paused" && after.state === "running" && after.startedAt === before.startedAt) {
    events.push({ ...base, kind: "workload.resumed", message: `${ctx.name} resumed` });
  }
  return events;
}

export function removedEvent(id: string, name: string): DriverEvent {
  return { kind: "workload.removed", workloadId: id, message: `${name} removed` };
}

/** Signals a process is expected to survive (reload, log rotation, window size). */
const NON_TERMINATING_SIGNALS = new Set(["1", "10", "12", "28", "HUP", "USR1", "USR2", "WINCH"]);

/**
 * Remembers that a container was asked to stop, until its next finish. Docker reports a
 * `kill` event before the `die` of a `docker stop`/`kill`; Podman 4 reports neither, so stops
 * made through Flotilla are marked by the driver itself. A mark expires: a later crash of a
 * container whose stop was aborted is an exit, not a stop.
 */
export class StopIntents {
  private readonly marks = new Map<string, number>();

  constructor(private readonly ttlMs = 120_000) {}

  /** A kill event (optionally with its signal) or a stop request for `id`. */
  mark(id: string, signal?: string, now = Date.now()): void {
    const name = signal?.toUpperCase().replace(/^SIG/, "");
    if (name && NON_TERMINATING_SIGNALS.has(name)) return;
    this.marks.set(id, now);
  }

  has(id: string, now = Date.now()): boolean {
    const at = this.marks.get(id);
    if (at !== undefined && now - at > this.ttlMs) this.marks.delete(id);
    return at !== undefined && now - at <= this.ttlMs;
  }

  clear(id: string): void {
    this.marks.delete(id);
  }
}
