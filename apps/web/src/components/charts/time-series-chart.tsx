"use client";

/**
 * A themed uPlot time-series chart for React: follows its container's width, formats the
 * y axis and legend by unit (percent, bytes, bytes/s), and shows a legend that reads the
 * value under the cursor, or the newest value when the cursor is elsewhere. Clicking a
 * legend entry hides or shows that series. Data updates redraw the existing chart; the
 * chart is rebuilt only when the series or unit change.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { CHART_THEME, withAlpha } from "@/lib/chart-theme";
import { cn } from "@/lib/cn";
import {
  formatBytes,
  formatBytesPerSecond,
  formatCores,
  formatCount,
  formatDateTime,
  formatPercent,
} from "@/lib/format";

export type ChartUnit = "ratio" | "bytes" | "bytesPerSecond" | "cores" | "number";

export interface ChartSeries {
  label: string;
  /** A hex colour (canvas cannot read CSS variables). */
  color: string;
  values: ReadonlyArray<number | null>;
  /** Dashed line without area fill, for reference lines such as "total". */
  reference?: boolean;
}

export interface TimeSeriesChartProps {
  title: string;
  /** Unix seconds, ascending. */
  ts: readonly number[];
  series: ChartSeries[];
  unit: ChartUnit;
  /** Width of the time window to show, ending at the newest point (seconds). */
  windowSeconds?: number;
  height?: number;
  className?: string;
}

export function formatValue(unit: ChartUnit, value: number | null | undefined): string {
  switch (unit) {
    case "ratio":
      return formatPercent(value);
    case "bytes":
      return formatBytes(value);
    case "bytesPerSecond":
      return formatBytesPerSecond(value);
    case "cores":
      return value === null || value === undefined ? "—" : `${formatCores(value, { trim: true })} cores`;
    default:
      return value === null || value === undefined ? "—" : formatCount(value);
  }
}

/** Axis labels are shorter than legend values: "50%", "1.5 GiB", "20 MiB/s". */
function formatTick(unit: ChartUnit, value: number): string {
  if (unit === "ratio") return `${Math.round(value * 100)}%`;
  if (unit === "cores") return formatCores(value, { trim: true });
  return formatValue(unit, value).replace(/\.0+ /, " ");
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad2 = (n: number) => String(n).padStart(2, "0");

/** 24-hour clock ticks; midnight and day-sized steps show the date instead. */
function formatTimeTicks(splits: number[], incr: number): string[] {
  return splits.map((ts) => {
    const d = new Date(ts * 1000);
    const midnight = d.getHours() === 0 && d.getMinutes() === 0;
    if (incr >= 86_400 || (midnight && incr >= 60)) return `${MONTHS[d.getMonth()]} ${d.getDate()}`;
    const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
    return incr < 60 ? `${hm}:${pad2(d.getSeconds())}` : hm;
  });
}

/** Tick steps at powers of two of each binary unit, so byte axes read 256 MiB, 512 MiB, 1 GiB. */
const BINARY_INCRS = Array.from({ length: 6 * 10 }, (_, i) => 2 ** (i % 10) * 1024 ** Math.floor(i / 10));

function lastDefinedIndex(values: ReadonlyArray<number | null>): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null && values[i] !== undefined) return i;
  return null;
}

function buildOptions(
  props: Pick<TimeSeriesChartProps, "series" | "unit" | "windowSeconds">,
  width: number,
  height: number,
  onCursor: (idx: number | null) => void,
): uPlot.Options {
  const { unit, windowSeconds } = props;
  const axis: uPlot.Axis = {
    stroke: CHART_THEME.axisText,
    font: CHART_THEME.font,
    grid: { stroke: CHART_THEME.grid, width: 1 },
    ticks: { stroke: CHART_THEME.grid, width: 1, size: 4 },
  };
  return {
    width,
    height,
    padding: [8, 8, 0, 0],
    legend: { show: false },
    cursor: {
      drag: { x: true, y: false, setScale: true },
      points: { size: 7, width: 2 },
    },
    scales: {
      x: {
        time: true,
        range: windowSeconds
          ? (_u, min, max) => [Math.min(min, max - windowSeconds), max]
          : (_u, min, max) => [min, max],
      },
      y: {
        range: (_u, _min, max) => {
          if (unit === "ratio") return [0, Math.max(1, max ?? 1)];
          const top = max && max > 0 ? max * 1.15 : 1;
          return [0, top];
        },
      },
    },
    axes: [
      { ...axis, space: 70, values: (_u, splits, _axis, _space, incr) => formatTimeTicks(splits, incr) },
      {
        ...axis,
        size: unit === "bytesPerSecond" ? 78 : 64,
        incrs: unit === "bytes" || unit === "bytesPerSecond" ? BINARY_INCRS : undefined,
        values: (_u, splits) => splits.map((v) => formatTick(unit, v)),
      },
    ],
    series: [
      {},
      ...props.series.map<uPlot.Series>((s) => ({
        label: s.label,
        stroke: s.color,
        width: s.reference ? 1 : 1.5,
        dash: s.reference ? [4, 4] : undefined,
        spanGaps: false,
        points: { show: false },
        fill: s.reference
          ? undefined
          : (u: uPlot) => {
              const g = u.ctx.createLinearGradient(0, u.bbox.top, 0, u.bbox.top + u.bbox.height);
              g.addColorStop(0, withAlpha(s.color, 0.28));
              g.addColorStop(1, withAlpha(s.color, 0.02));
              return g;
            },
      })),
    ],
    hooks: {
      setCursor: [(u) => onCursor(u.cursor.idx ?? null)],
    },
  };
}

export function TimeSeriesChart({
  title,
  ts,
  series,
  unit,
  windowSeconds,
  height = 180,
  className,
}: TimeSeriesChartProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const [cursorIdx, setCursorIdx] = useState<number | null>(null);
  const [hidden, setHidden] = useState<ReadonlySet<number>>(new Set());

  const data = useMemo(() => [ts, ...series.map((s) => s.values)] as unknown as uPlot.AlignedData, [ts, series]);
  // Rebuild only when what is drawn changes, not when values arrive.
  const shape = `${unit}|${windowSeconds ?? ""}|${series.map((s) => `${s.label}:${s.color}:${s.reference ?? ""}`).join(",")}`;
  const latest = useRef({ data, series, unit, windowSeconds, height });
  latest.current = { data, series, unit, windowSeconds, height };

  // biome-ignore lint/correctness/useExhaustiveDependencies: `shape` stands for the drawn configuration; values flow in through the effect below.
  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const current = latest.current;
    const plot = new uPlot(
      buildOptions(current, Math.max(100, box.clientWidth), current.height, setCursorIdx),
      current.data,
      box,
    );
    plotRef.current = plot;
    setHidden(new Set());

    const observer = new ResizeObserver(([entry]) => {
      const width = Math.floor(entry?.contentRect.width ?? 0);
      if (width > 0 && width !== plot.width) plot.setSize({ width, height: latest.current.height });
    });
    observer.observe(box);
    return () => {
      observer.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
  }, [shape]);

  useEffect(() => {
    plotRef.current?.setData(data);
  }, [data]);

  useEffect(() => {
    const plot = plotRef.current;
    if (plot && plot.height !== height) plot.setSize({ width: plot.width, height });
  }, [height]);

  const toggle = (index: number) => {
    const next = new Set(hidden);
    if (next.has(index)) next.delete(index);
    else next.add(index);
    setHidden(next);
    plotRef.current?.setSeries(index + 1, { show: !next.has(index) });
  };

  const hasData = ts.length > 0;

  return (
    <figure aria-label={`${title} chart`} className={cn("min-w-0", className)}>
      <figcaption className="mb-2 flex flex-wrap items-center gap-x-4 gap-y-1">
        <span className="font-medium text-fg text-sm">{title}</span>
        <span className="flex flex-wrap items-center gap-x-3 gap-y-1">
          {series.map((s, i) => {
            const idx = cursorIdx ?? lastDefinedIndex(s.values);
            const value = idx === null ? null : s.values[idx];
            const off = hidden.has(i);
            return (
              <button
                key={s.label}
                type="button"
                aria-pressed={!off}
                aria-label={`${s.label}: ${formatValue(unit, value)}`}
                title={off ? `Show ${s.label}` : `Hide ${s.label}`}
                onClick={() => toggle(i)}
                className={cn(
                  "inline-flex items-center gap-1.5 rounded px-1 text-xs transition-opacity hover:bg-surface-2",
                  off && "opacity-40",
                )}
              >
                <span
                  aria-hidden
                  className={cn("h-0.5 w-3 rounded-full", s.reference && "border-t border-dashed bg-transparent")}
                  style={s.reference ? { borderColor: s.color } : { backgroundColor: s.color }}
                />
                <span className="text-fg-subtle">{s.label}</span>
                <span className="text-fg tabular-nums">{formatValue(unit, value)}</span>
              </button>
            );
          })}
        </span>
        {cursorIdx !== null && ts[cursorIdx] !== undefined ? (
          <span className="ml-auto text-fg-subtle text-xs tabular-nums">{formatDateTime(ts[cursorIdx] * 1000)}</span>
        ) : null}
      </figcaption>
      <div className="relative">
        <div ref={boxRef} aria-hidden className="w-full" style={{ height }} />
        {hasData ? null : (
          <p className="absolute inset-0 flex items-center justify-center text-fg-subtle text-xs">
            No samples in this range yet
          </p>
        )}
      </div>
    </figure>
  );
}
