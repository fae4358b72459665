import { Badge, type BadgeTone } from "@/components/ui/badge";
import { ProgressBar } from "@/components/ui/progress";
import { cn } from "@/lib/cn";
import { COMMAND_STATE_LABELS, type CommandState, isActiveCommandState } from "@/lib/command-state";

const TONES: Record<CommandState, BadgeTone> = {
  pending: "neutral",
  sent: "info",
  running: "info",
  succeeded: "ok",
  failed: "danger",
  timed_out: "warn",
  cancelled: "neutral",
};

/** A command's state as a badge; live states pulse. */
export function CommandStateBadge({ state, className }: { state: CommandState; className?: string }) {
  return (
    <Badge
      tone={TONES[state]}
      dot
      data-command-state={state}
      className={cn(isActiveCommandState(state) && "[&>span:first-child]:animate-pulse-dot", className)}
    >
      {COMMAND_STATE_LABELS[state]}
    </Badge>
  );
}

/** A command's progress: a bar while it runs (moving when the agent gives no figure), full when it ended. */
export function CommandProgress({
  state,
  progress,
  label,
  className,
}: {
  state: CommandState;
  progress: number | null;
  label: string;
  className?: string;
}) {
  const active = isActiveCommandState(state);
  const value = state === "succeeded" ? 1 : active ? (state === "running" ? progress : 0) : (progress ?? 0);
  const tone = state === "succeeded" ? "ok" : state === "failed" ? "danger" : active ? "info" : "neutral";
  return <ProgressBar value={value} label={label} tone={tone} className={className} />;
}
