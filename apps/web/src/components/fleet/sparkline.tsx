import { memo } from "react";
import { loadTone } from "@/components/ui/meter";
import { SPARK_POINTS } from "@/lib/fleet-live";

const STROKE = {
  ok: "var(--color-ok)",
  warn: "var(--color-warn)",
  danger: "var(--color-danger)",
  none: "var(--color-fg-subtle)",
} as const;

export interface SparklineProps {
  /** Ratios, 0..1, oldest first. */
  values: readonly number[];
  /** Slots on the time axis; a shorter history sits at the right end, as on a chart. */
  slots?: number;
  width?: number;
  height?: number;
  className?: string;
}

/** A tiny inline SVG trend of recent CPU load; decorative, the figure beside it is the value. */
export const Sparkline = memo(function Sparkline({
  values,
  slots = SPARK_POINTS,
  width = 72,
  height = 20,
  className,
}: SparklineProps) {
  if (values.length < 2) {
    return <svg aria-hidden width={width} height={height} className={className} />;
  }
  const count = Math.max(slots, values.length);
  const step = width / (count - 1);
  const offset = count - values.length;
  const pad = 1.5;
  const y = (v: number) => pad + (1 - Math.max(0, Math.min(1, v))) * (height - pad * 2);
  const x0 = offset * step;
  const points = values.map((v, i) => `${((offset + i) * step).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  const last = values[values.length - 1];
  const color = STROKE[loadTone(last)];
  return (
    <svg aria-hidden width={width} height={height} viewBox={`0 0 ${width} ${height}`} className={className}>
      <polygon points={`${x0.toFixed(1)},${height} ${points} ${width},${height}`} fill={color} opacity={0.12} />
      <polyline
        points={points}
        fill="none"
        stroke={color}
        strokeWidth={1.25}
        strokeLinejoin="round"
        strokeLinecap="round"
      />
    </svg>
  );
});
