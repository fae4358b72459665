"use client";

/**
 * Folds `command:update` events into what the tab shows: every update goes to the update
 * store (screens merge it over what they fetched), and a command that changed state has its
 * lists and its detail refetched, a few times a second at most, for what events do not carry
 * (a new command's row, cancellability, the error code, the result).
 */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import type { CommandItem } from "@/lib/api-types";
import { clearCommandUpdates, recordCommandUpdate } from "@/lib/command-updates";
import { useLiveEvent, useLiveSocket } from "@/lib/live-socket";
import { useTRPC } from "@/lib/trpc";

const FLUSH_MS = 400;

export function CommandsLiveSync() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { status } = useLiveSocket();
  const changed = useRef<{ hosts: Set<string>; ids: Set<string> }>({ hosts: new Set(), ids: new Set() });
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastState = useRef(new Map<string, string>());

  const flush = () => {
    timer.current = null;
    const { hosts, ids } = changed.current;
    changed.current = { hosts: new Set(), ids: new Set() };
    void queryClient.invalidateQueries({
      ...trpc.commands.list.queryFilter(),
      predicate: (query) => {
        const input = (query.queryKey[1] as { input?: { hostId?: string } } | undefined)?.input;
        return !input?.hostId || hosts.has(input.hostId);
      },
    });
    for (const id of ids) void queryClient.invalidateQueries(trpc.commands.get.queryFilter({ id }));
  };

  useLiveEvent("command:update", (e) => {
    recordCommandUpdate(e);
    // Progress within a state is folded in from the store; only state changes need a refetch.
    const known = lastState.current.get(e.id) ?? findListedState(e.id);
    if (lastState.current.size > 5_000) lastState.current.clear();
    lastState.current.set(e.id, e.state);
    if (known === e.state) return;
    changed.current.hosts.add(e.hostId);
    changed.current.ids.add(e.id);
    if (timer.current === null) timer.current = setTimeout(flush, FLUSH_MS);
  });

  /** The state a cached list shows for a command, if any list has it. */
  const findListedState = (id: string): string | undefined => {
    for (const [, rows] of queryClient.getQueriesData<CommandItem[]>(trpc.commands.list.queryFilter())) {
      const row = rows?.find((r) => r.id === id);
      if (row) return row.state;
    }
    return undefined;
  };

  // After a reconnect updates may have been missed: fetch commands again.
  const hasBeenLive = useRef(false);
  useEffect(() => {
    if (status !== "live") return;
    if (hasBeenLive.current) void queryClient.invalidateQueries(trpc.commands.pathFilter());
    hasBeenLive.current = true;
  }, [status, queryClient, trpc]);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
      clearCommandUpdates();
    },
    [],
  );

  return null;
}
