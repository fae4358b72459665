import type { HTMLAttributes } from "react";
import { cn } from "@/lib/cn";

const TONES = {
  neutral: "bg-surface-3/70 text-fg-muted ring-border-strong/60",
  ok: "bg-ok/12 text-ok ring-ok/30",
  warn: "bg-warn/12 text-warn ring-warn/30",
  danger: "bg-danger/12 text-danger ring-danger/30",
  info: "bg-info/12 text-info ring-info/30",
  maint: "bg-maint/12 text-maint ring-maint/30",
} as const;

export type BadgeTone = keyof typeof TONES;

export interface BadgeProps extends HTMLAttributes<HTMLSpanElement> {
  tone?: BadgeTone;
  /** Shows a small dot before the label, as status badges do. */
  dot?: boolean;
}

export function Badge({ className, tone = "neutral", dot = false, children, ...props }: BadgeProps) {
  return (
    <span
      className={cn(
        "inline-flex items-center gap-1.5 whitespace-nowrap rounded-full px-2 py-0.5 font-medium text-[11px] ring-1 ring-inset",
        TONES[tone],
        className,
      )}
      {...props}
    >
      {dot ? <span aria-hidden className="size-1.5 rounded-full bg-current" /> : null}
      {children}
    </span>
  );
}
