"use client";

/**
 * The output lines of one streaming command (image.pull, image.build), as they arrive in its
 * host's room. Lines that arrive while the request is still being answered are kept and
 * replayed once the command's id is known.
 */
import { useEffect, useRef, useState } from "react";
import { useHostSubscription, useLiveEvent } from "@/lib/live-socket";
import { appendLog, EMPTY_LOG, type LogState } from "@/lib/log-lines";
import type { CommandOutputEvent } from "@/shared/live-events";

const EARLY_KEPT = 50;

export function useCommandOutput(hostId: string, commandId: string | null, awaiting: boolean): LogState {
  const [log, setLog] = useState<LogState>(EMPTY_LOG);
  const early = useRef<CommandOutputEvent[]>([]);
  useHostSubscription(hostId);

  useEffect(() => {
    const before = commandId ? early.current.filter((e) => e.id === commandId) : [];
    early.current = [];
    setLog(before.reduce((s, e) => appendLog(s, e.stream, e.lines), EMPTY_LOG));
  }, [commandId]);

  useLiveEvent("command:output", (e) => {
    if (e.hostId !== hostId) return;
    if (commandId !== null && e.id === commandId) setLog((prev) => appendLog(prev, e.stream, e.lines));
    else if (commandId === null && awaiting) early.current = [...early.current.slice(-(EARLY_KEPT - 1)), e];
  });

  return log;
}
