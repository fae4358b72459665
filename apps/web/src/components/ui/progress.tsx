import { cn } from "@/lib/cn";

export interface ProgressBarProps {
  /** 0..1, or null when the work's length is unknown (an indeterminate, moving bar). */
  value: number | null;
  label: string;
  tone?: "info" | "ok" | "danger" | "warn" | "neutral";
  className?: string;
}

const FILL = {
  info: "bg-info",
  ok: "bg-ok",
  danger: "bg-danger",
  warn: "bg-warn",
  neutral: "bg-fg-subtle",
} as const;

/** A progress bar with its state for assistive technology (role="progressbar"). */
export function ProgressBar({ value, label, tone = "info", className }: ProgressBarProps) {
  const pct = value === null ? null : Math.round(Math.max(0, Math.min(1, value)) * 100);
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct ?? undefined}
      aria-valuetext={pct === null ? "in progress" : `${pct}%`}
      className={cn("relative h-1.5 w-full overflow-hidden rounded-full bg-surface-3", className)}
    >
      {pct === null ? (
        <div className={cn("absolute inset-y-0 w-1/3 animate-progress-slide rounded-full", FILL[tone])} />
      ) : (
        <div
          className={cn("h-full w-full origin-left rounded-full transition-transform", FILL[tone])}
          style={{ transform: `scaleX(${pct / 100})` }}
        />
      )}
    </div>
  );
}
