import { cn } from "@/lib/cn";

/** Colour for a load ratio: calm below 70 %, warning to 90 %, then alarm. */
export function loadTone(ratio: number | null | undefined): "ok" | "warn" | "danger" | "none" {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return "none";
  if (ratio >= 0.9) return "danger";
  if (ratio >= 0.7) return "warn";
  return "ok";
}

const FILL = { ok: "bg-ok", warn: "bg-warn", danger: "bg-danger", info: "bg-info", none: "bg-transparent" } as const;

export interface MeterProps {
  ratio: number | null | undefined;
  /** A fixed colour; by default the colour follows the load. */
  tone?: keyof typeof FILL;
  className?: string;
}

/** A thin horizontal usage bar (decorative: the figure next to it carries the value). */
export function Meter({ ratio, tone, className }: MeterProps) {
  const pct = ratio === null || ratio === undefined ? 0 : Math.max(0, Math.min(1, ratio)) * 100;
  return (
    <div aria-hidden className={cn("h-1.5 w-full overflow-hidden rounded-full bg-surface-3", className)}>
      {/* Scaled rather than resized: a transform repaints without re-laying out the row,
          which matters when a thousand meters move on every live tick. */}
      <div
        className={cn("h-full w-full origin-left rounded-full", FILL[tone ?? loadTone(ratio)])}
        style={{ transform: `scaleX(${pct / 100})` }}
      />
    </div>
  );
}
