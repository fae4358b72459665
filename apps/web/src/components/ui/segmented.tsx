"use client";

/**
 * A row of mutually exclusive toggle buttons (time range, status filter, colour mode).
 * Each button reports its state with aria-pressed; the group carries the label.
 */
import type { ReactNode } from "react";
import { cn } from "@/lib/cn";

export interface SegmentedOption<V extends string> {
  value: V;
  label: ReactNode;
  /** Accessible name when the visible label carries extra text (a count, an icon). */
  ariaLabel?: string;
}

export interface SegmentedProps<V extends string> {
  label: string;
  value: V;
  options: ReadonlyArray<SegmentedOption<V>>;
  onChange: (value: V) => void;
  className?: string;
  size?: "sm" | "md";
}

export function Segmented<V extends string>({
  label,
  value,
  options,
  onChange,
  className,
  size = "sm",
}: SegmentedProps<V>) {
  return (
    <fieldset
      aria-label={label}
      className={cn("inline-flex items-center rounded-md border border-border bg-canvas p-0.5", className)}
    >
      {options.map((o) => {
        const active = o.value === value;
        return (
          <button
            key={o.value}
            type="button"
            aria-pressed={active}
            aria-label={o.ariaLabel}
            onClick={() => onChange(o.value)}
            className={cn(
              "inline-flex items-center gap-1.5 rounded-[5px] font-medium text-fg-muted transition-colors hover:text-fg",
              size === "sm" ? "h-6 px-2 text-xs" : "h-7 px-2.5 text-sm",
              active && "bg-surface-3 text-fg shadow-sm shadow-black/30",
            )}
          >
            {o.label}
          </button>
        );
      })}
    </fieldset>
  );
}
