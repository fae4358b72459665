"use client";

/**
 * The newest `command:update` seen for each command in this tab. Screens merge it over what
 * they fetched (`applyCommandUpdate`), so a command's state is right even when an update
 * arrives before, during or after the fetch that shows it. Fed by <CommandsLiveSync>.
 */
import { useSyncExternalStore } from "react";
import type { CommandUpdateEvent } from "../shared/live-events";
import { isActiveCommandState, newerUpdate } from "./command-state";

/** Updates kept; the oldest finished ones go first beyond this. */
const MAX_KEPT = 2_000;

let updates = new Map<string, CommandUpdateEvent>();
const listeners = new Set<() => void>();

function emit() {
  for (const l of listeners) l();
}

/** Records an update (ignoring one older than what is kept) and tells subscribers. */
export function recordCommandUpdate(e: CommandUpdateEvent): void {
  const kept = updates.get(e.id);
  const next = newerUpdate(kept, e);
  if (next === kept) return;
  const copy = new Map(updates);
  copy.delete(e.id);
  copy.set(e.id, e);
  if (copy.size > MAX_KEPT) {
    for (const [id, u] of copy) {
      if (copy.size <= MAX_KEPT) break;
      if (!isActiveCommandState(u.state)) copy.delete(id);
    }
  }
  updates = copy;
  emit();
}

export function clearCommandUpdates(): void {
  updates = new Map();
  emit();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const snapshot = () => updates;

/** Every kept update, by command id (a new Map on each change). */
export function useCommandUpdates(): ReadonlyMap<string, CommandUpdateEvent> {
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

/** The newest update for one command, if any arrived. */
export function useCommandUpdate(id: string | null | undefined): CommandUpdateEvent | undefined {
  return useSyncExternalStore(
    subscribe,
    () => (id ? updates.get(id) : undefined),
    () => undefined,
  );
}
