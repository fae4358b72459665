"use client";

import { cn } from "@/lib/cn";
import { useLiveSocket } from "@/lib/live-socket";

const LABELS = { live: "Live", reconnecting: "Reconnecting", connecting: "Connecting" } as const;

/** Green "Live" while the Socket.IO connection is up, amber while it is (re)connecting. */
export function LiveIndicator() {
  const { status } = useLiveSocket();
  const live = status === "live";
  const label = LABELS[status];
  return (
    <output
      aria-label={`Live connection: ${label}`}
      aria-live="polite"
      data-testid="live-indicator"
      data-status={status}
      title={live ? "Receiving live updates" : "Live updates paused; reconnecting to the server"}
      className={cn(
        "inline-flex h-7 items-center gap-2 rounded-full border px-2.5 font-medium text-xs",
        live ? "border-ok/30 bg-ok/10 text-ok" : "border-warn/30 bg-warn/10 text-warn",
      )}
    >
      <span aria-hidden className="relative flex size-2">
        {live ? <span className="absolute inline-flex size-full animate-ping rounded-full bg-ok opacity-50" /> : null}
        <span
          className={cn("relative inline-flex size-2 rounded-full", live ? "bg-ok" : "animate-pulse-dot bg-warn")}
        />
      </span>
      {label}
    </output>
  );
}
