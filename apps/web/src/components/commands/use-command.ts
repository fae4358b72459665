"use client";

/**
 * Following one command, and asking for one. `useCommand` shows a command as it is now: what
 * was fetched (or what the request returned) with the newest live update folded in, refetched
 * by the live sync when it changes state (for its error code, result and events).
 * `useRunCommand` requests commands with a fresh idempotency key per click and follows the
 * latest one.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import type { CommandDetail, CommandItem, CommandRequestInput } from "@/lib/api-types";
import { applyCommandUpdate, isActiveCommandState } from "@/lib/command-state";
import { useCommandUpdate } from "@/lib/command-updates";
import { useTRPC } from "@/lib/trpc";

type CommandView = Omit<CommandItem, "hostName">;
/** A command as shown: detail fields when they have been fetched. */
export type ShownCommand = CommandView & Partial<Pick<CommandDetail, "events" | "hostName">>;

export function useCommand(id: string | null, initial?: CommandView | null): ShownCommand | null {
  const trpc = useTRPC();
  const detail = useQuery({
    ...trpc.commands.get.queryOptions({ id: id ?? "" }),
    enabled: id !== null,
    staleTime: 0,
  });
  const update = useCommandUpdate(id);
  if (!id) return null;
  const base: ShownCommand | null = detail.data ?? (initial?.id === id ? initial : null);
  if (!base) return null;
  return update ? applyCommandUpdate(base, update) : base;
}

export interface RunCommand {
  /** Asks for `command` on `hostId`; resolves to the new command, or null when the request failed. */
  run: (hostId: string, command: CommandRequestInput["command"]) => Promise<ShownCommand | null>;
  /** The latest command asked for, live. */
  command: ShownCommand | null;
  requesting: boolean;
  /** Why the request itself was refused (permission, validation, network), if it was. */
  requestError: unknown;
  /** Forgets the latest command (a dismissed result). */
  reset: () => void;
  active: boolean;
}

export function useRunCommand(): RunCommand {
  const trpc = useTRPC();
  const [latest, setLatest] = useState<CommandView | null>(null);
  const request = useMutation(trpc.commands.request.mutationOptions());
  const command = useCommand(latest?.id ?? null, latest);

  const { mutateAsync, reset: resetRequest } = request;
  const run = useCallback<RunCommand["run"]>(
    async (hostId, cmd) => {
      setLatest(null);
      try {
        // A new key per click: a retried request (a flaky network) runs once, a second click runs again.
        const created = await mutateAsync({ hostId, command: cmd, idempotencyKey: crypto.randomUUID() });
        setLatest(created);
        return created;
      } catch {
        return null;
      }
    },
    [mutateAsync],
  );
  const reset = useCallback(() => {
    setLatest(null);
    resetRequest();
  }, [resetRequest]);

  return {
    run,
    command,
    requesting: request.isPending,
    requestError: request.error,
    reset,
    active: request.isPending || (command !== null && isActiveCommandState(command.state)),
  };
}
