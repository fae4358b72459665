"use client";

/** How often a threshold rule would have fired over the last hour or day, as a chart with its threshold. */
import { useQuery } from "@tanstack/react-query";
import { useDeferredValue, useState } from "react";
import { type ChartSeries, TimeSeriesChart } from "@/components/charts/time-series-chart";
import { Segmented } from "@/components/ui/segmented";
import { errorMessage, useTRPC } from "@/lib/trpc";

const LINE_COLORS = ["#5cb2f2", "#a58bf5", "#3fc98f", "#f0a04b", "#e8799a", "#8a93a3"];
const THRESHOLD_COLOR = "#e5484d";

interface PreviewProps {
  teamId: string | null;
  scope: { labels?: Record<string, string> };
  metric: "cpu" | "memory" | "disk" | "network";
  comparator: "above" | "below";
  threshold: number;
  holdSeconds: number;
}

export function RulePreview(props: PreviewProps) {
  const trpc = useTRPC();
  const [range, setRange] = useState<"1h" | "1d">("1h");
  // Typing a threshold should not fire a query per keystroke.
  const input = useDeferredValue({ ...props, range });
  const preview = useQuery(trpc.alerts.preview.queryOptions(input));
  const percent = props.metric === "cpu" || props.metric === "memory";
  // The chart formats percentages from ratios (0..1).
  const scale = (v: number | null) => (v === null ? null : percent ? v / 100 : v);
  const data = preview.data;
  const series: ChartSeries[] = data
    ? [
        ...data.series.map((s, i) => ({
          label: s.name,
          color: LINE_COLORS[i % LINE_COLORS.length] ?? "#5cb2f2",
          values: s.values.map(scale),
        })),
        {
          label: "threshold",
          color: THRESHOLD_COLOR,
          values: data.ts.map(() => scale(data.threshold)),
          reference: true,
        },
      ]
    : [];

  return (
    <section aria-label="Rule preview" className="space-y-2 rounded-md border border-border p-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-fg-muted text-sm" data-testid="rule-preview-summary">
          {preview.isError
            ? errorMessage(preview.error)
            : data
              ? `Would have fired ${data.totalFires} time${data.totalFires === 1 ? "" : "s"} over the last ${range === "1h" ? "hour" : "day"} on ${data.series.length} host${data.series.length === 1 ? "" : "s"}.`
              : "Trying the rule on recent data…"}
        </p>
        <Segmented
          label="Preview range"
          value={range}
          onChange={setRange}
          options={[
            { value: "1h", label: "Last hour" },
            { value: "1d", label: "Last day" },
          ]}
        />
      </div>
      {data && data.ts.length > 0 && data.series.length > 0 ? (
        <TimeSeriesChart
          title="Rule preview"
          ts={data.ts}
          series={series}
          unit={percent ? "ratio" : "bytesPerSecond"}
          height={180}
        />
      ) : null}
    </section>
  );
}
