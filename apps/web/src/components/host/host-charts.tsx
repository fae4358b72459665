"use client";

/**
 * The host's four charts over a chosen range. History comes from fleet.hostMetrics; the
 * app-wide live sync appends each new sample to the cached series, so the charts move
 * without refetching.
 */
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import type { ChartSeries } from "@/components/charts/time-series-chart";
import { UsageCard } from "@/components/charts/usage-card";
import { ioSeries, UsageCharts } from "@/components/charts/usage-charts";
import type { MetricsRange } from "@/lib/api-types";
import { SERIES_COLORS } from "@/lib/chart-theme";
import { EMPTY_SERIES, insertGaps, RANGE_BUCKET_SECONDS, RANGE_SECONDS } from "@/lib/fleet-live";
import { useTRPC } from "@/lib/trpc";

export interface HostChartsProps {
  hostId: string;
  intervalMs: number | null;
  range: MetricsRange;
  onRangeChange: (range: MetricsRange) => void;
}

export function HostCharts({ hostId, intervalMs, range, onRangeChange }: HostChartsProps) {
  const trpc = useTRPC();
  const metrics = useQuery(trpc.fleet.hostMetrics.queryOptions({ id: hostId, range }, { staleTime: 10_000 }));

  const series = useMemo(() => {
    const raw = metrics.data ?? EMPTY_SERIES;
    const step = Math.max(RANGE_BUCKET_SECONDS[range], (intervalMs ?? 0) / 1000);
    return insertGaps(raw, step * 3);
  }, [metrics.data, range, intervalMs]);

  const charts = useMemo(() => {
    const cpu: ChartSeries[] = [{ label: "CPU", color: SERIES_COLORS.cpu, values: series.cpuRatio }];
    const memory: ChartSeries[] = [
      { label: "Used", color: SERIES_COLORS.memory, values: series.memUsedBytes },
      { label: "Total", color: SERIES_COLORS.memoryTotal, values: series.memTotalBytes, reference: true },
    ];
    return { cpu, memory, ...ioSeries(series) };
  }, [series]);

  const windowSeconds = RANGE_SECONDS[range];

  return (
    <UsageCard range={range} onRangeChange={onRangeChange} fetching={metrics.isFetching} error={metrics.error}>
      <UsageCharts ts={series.ts} cpuUnit="ratio" charts={charts} windowSeconds={windowSeconds} />
    </UsageCard>
  );
}
