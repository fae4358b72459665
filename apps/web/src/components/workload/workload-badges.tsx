import { Box, Monitor } from "lucide-react";
import type { ComponentProps } from "react";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { cn } from "@/lib/cn";

const STATE_TONES: Record<string, BadgeTone> = {
  running: "ok",
  paused: "warn",
  restarting: "warn",
  created: "info",
  stopped: "neutral",
  exited: "neutral",
  dead: "danger",
  unknown: "danger",
  removed: "neutral",
};

export function stateTone(state: string): BadgeTone {
  return STATE_TONES[state] ?? "neutral";
}

/** A workload's driver state (running, exited, ...) as a coloured badge. */
export function WorkloadStateBadge({ state, ...props }: { state: string } & ComponentProps<"span">) {
  return (
    <Badge tone={stateTone(state)} dot className="capitalize" data-state={state} {...props}>
      {state}
    </Badge>
  );
}

/** Marks a workload its host no longer reports; its page and history stay. */
export function RemovedBadge({ className }: { className?: string }) {
  return (
    <Badge tone="danger" className={className} title="The host no longer reports this workload">
      Removed
    </Badge>
  );
}

export function kindLabel(kind: "vm" | "container"): string {
  return kind === "vm" ? "VM" : "Container";
}

/** The kind's icon (decorative: the label or the page says which kind it is). */
export function WorkloadKindIcon({ kind, className }: { kind: "vm" | "container"; className?: string }) {
  const Icon = kind === "vm" ? Monitor : Box;
  return <Icon aria-hidden className={cn("size-3.5", className)} />;
}
