"use client";

/**
 * Following a container's logs like `docker logs -f --timestamps --tail N`: one container.logs
 * command at a time whose lines arrive as `command:output` in the host's room. Pausing cancels
 * it; resuming asks again from just after the last line. The command is cancelled when the
 * panel goes away (and, best effort, when the page does).
 */
import { useEffect, useEffectEvent, useRef, useState } from "react";
import { type ShownCommand, useCommand } from "@/components/commands/use-command";
import type { CommandItem } from "@/lib/api-types";
import { useHostSubscription, useLiveEvent } from "@/lib/live-socket";
import { appendLog, EMPTY_LOG, type LogState, prepareResume } from "@/lib/log-lines";
import { cancelCommandOnUnload, useTRPCClient } from "@/lib/trpc";
import type { CommandOutputEvent } from "@/shared/live-events";

export interface FollowTarget {
  hostId: string;
  /** The driver's id of the container. */
  externalId: string;
  running: boolean;
}

export interface FollowLogs {
  log: LogState;
  paused: boolean;
  /** The current follow command, live; null while it is being asked for. */
  command: ShownCommand | null;
  requesting: boolean;
  requestError: unknown;
  pause: () => void;
  /** Follows again from just after the last line (after a pause, an end or a failure). */
  resume: () => void;
}

/** Output that arrived before the request's answer named its command. */
const EARLY_OUTPUT_KEPT = 50;

export function useFollowLogs(target: FollowTarget, tail: number | null): FollowLogs {
  const { hostId, externalId, running } = target;
  const client = useTRPCClient();
  const [log, setLog] = useState<LogState>(EMPTY_LOG);
  const [paused, setPaused] = useState(false);
  const [requested, setRequested] = useState<Omit<CommandItem, "hostName"> | null>(null);
  const [requesting, setRequesting] = useState(false);
  const [requestError, setRequestError] = useState<unknown>(null);
  const currentId = useRef<string | null>(null);
  const generation = useRef(0);
  const early = useRef<CommandOutputEvent[]>([]);
  const command = useCommand(requested?.id ?? null, requested);

  useHostSubscription(hostId);

  const cancelCurrent = () => {
    const id = currentId.current;
    currentId.current = null;
    if (id) client.commands.cancel.mutate({ id }).catch(() => {});
  };

  const follow = useEffectEvent(async (since?: number) => {
    const gen = ++generation.current;
    cancelCurrent();
    setRequested(null);
    setRequestError(null);
    setRequesting(true);
    early.current = [];
    try {
      const created = await client.commands.request.mutate({
        hostId,
        command: {
          name: "container.logs",
          payload: {
            workloadId: externalId,
            follow: true,
            timestamps: true,
            ...(since !== undefined ? { since } : tail !== null ? { tail } : {}),
          },
        },
        idempotencyKey: crypto.randomUUID(),
      });
      if (gen !== generation.current) {
        // Paused, restarted or unmounted while asking: this one is not wanted any more.
        client.commands.cancel.mutate({ id: created.id }).catch(() => {});
        return;
      }
      currentId.current = created.id;
      setRequested(created);
      const before = early.current.filter((e) => e.id === created.id);
      early.current = [];
      if (before.length > 0) setLog((prev) => before.reduce((s, e) => appendLog(s, e.stream, e.lines), prev));
    } catch (error) {
      if (gen === generation.current) setRequestError(error);
    } finally {
      if (gen === generation.current) setRequesting(false);
    }
  });

  // Start (again, from scratch) for each container and tail; stop when the panel goes away.
  // biome-ignore lint/correctness/useExhaustiveDependencies: these are what a new follow depends on.
  useEffect(() => {
    setLog(EMPTY_LOG);
    setPaused(false);
    void follow();
    return () => {
      generation.current += 1;
      cancelCurrent();
    };
  }, [hostId, externalId, tail]);

  useEffect(() => {
    const onPageHide = () => {
      if (currentId.current) cancelCommandOnUnload(currentId.current);
    };
    window.addEventListener("pagehide", onPageHide);
    return () => window.removeEventListener("pagehide", onPageHide);
  }, []);

  useLiveEvent("command:output", (e) => {
    if (e.hostId !== hostId) return;
    if (e.id === currentId.current) {
      setLog((prev) => appendLog(prev, e.stream, e.lines));
    } else if (requesting) {
      early.current = [...early.current.slice(-(EARLY_OUTPUT_KEPT - 1)), e];
    }
  });

  const resume = () => {
    const endedAt = command?.finishedAt ? Date.parse(command.finishedAt) : Date.now();
    const { state, since } = prepareResume(log, endedAt);
    setLog(state);
    setPaused(false);
    void follow(since);
  };

  // `docker logs -f` ends when the container stops: follow again when it starts.
  const wasRunning = useRef(running);
  useEffect(() => {
    const started = running && !wasRunning.current;
    wasRunning.current = running;
    if (started && !paused && command?.state === "succeeded") resume();
  });

  return {
    log,
    paused,
    command,
    requesting,
    requestError,
    pause: () => {
      generation.current += 1;
      setPaused(true);
      setRequesting(false);
      cancelCurrent();
    },
    resume,
  };
}
