"use client";

/**
 * A workload's four charts over a chosen range, each against what it was given: CPU cores
 * used vs its vCPUs, memory used vs its allocation, network and disk rates. History comes
 * from fleet.workloadMetrics; the page's live hook appends each `workload:metrics` tick to
 * the cached series.
 */
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import type { ChartSeries } from "@/components/charts/time-series-chart";
import { UsageCard } from "@/components/charts/usage-card";
import { ioSeries, UsageCharts } from "@/components/charts/usage-charts";
import type { MetricsRange, WorkloadDetail } from "@/lib/api-types";
import { SERIES_COLORS } from "@/lib/chart-theme";
import { EMPTY_SERIES, insertGaps, RANGE_BUCKET_SECONDS, RANGE_SECONDS } from "@/lib/fleet-live";
import { useTRPC } from "@/lib/trpc";

export interface WorkloadChartsProps {
  workload: WorkloadDetail;
  range: MetricsRange;
  onRangeChange: (range: MetricsRange) => void;
}

export function WorkloadCharts({ workload, range, onRangeChange }: WorkloadChartsProps) {
  const trpc = useTRPC();
  const metrics = useQuery(trpc.fleet.workloadMetrics.queryOptions({ id: workload.id, range }, { staleTime: 10_000 }));
  const { vcpus, memoryBytes } = workload;
  const intervalMs = workload.host.intervalMs;

  const series = useMemo(() => {
    const step = Math.max(RANGE_BUCKET_SECONDS[range], intervalMs / 1000);
    return insertGaps(metrics.data ?? EMPTY_SERIES, step * 3);
  }, [metrics.data, range, intervalMs]);

  const charts = useMemo(() => {
    // Allocation is a flat reference line; without a limit there is nothing to draw.
    const flat = (value: number | null) => (value ? series.ts.map(() => value) : null);
    const allocatedCpu = flat(vcpus);
    const allocatedMem = flat(memoryBytes);
    const cpu: ChartSeries[] = [
      { label: "Used", color: SERIES_COLORS.cpu, values: series.cpuCores },
      ...(allocatedCpu
        ? [{ label: "vCPUs", color: SERIES_COLORS.memoryTotal, values: allocatedCpu, reference: true }]
        : []),
    ];
    const memory: ChartSeries[] = [
      { label: "Used", color: SERIES_COLORS.memory, values: series.memUsedBytes },
      ...(allocatedMem
        ? [{ label: "Allocated", color: SERIES_COLORS.memoryTotal, values: allocatedMem, reference: true }]
        : []),
    ];
    return { cpu, memory, ...ioSeries(series) };
  }, [series, vcpus, memoryBytes]);

  const windowSeconds = RANGE_SECONDS[range];

  return (
    <UsageCard range={range} onRangeChange={onRangeChange} fetching={metrics.isFetching} error={metrics.error}>
      <UsageCharts ts={series.ts} cpuUnit="cores" charts={charts} windowSeconds={windowSeconds} />
    </UsageCard>
  );
}
