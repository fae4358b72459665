/**
 * The four usage charts a host and a workload both show (CPU, memory, network, disk), so the
 * two pages differ only in the CPU and memory series they pass in.
 */
import { type ChartSeries, type ChartUnit, TimeSeriesChart } from "@/components/charts/time-series-chart";
import type { HostMetrics } from "@/lib/api-types";
import { SERIES_COLORS } from "@/lib/chart-theme";

/** Network and disk series: the same for a host and a workload. */
export function ioSeries(series: HostMetrics): { network: ChartSeries[]; disk: ChartSeries[] } {
  return {
    network: [
      { label: "Receive", color: SERIES_COLORS.rx, values: series.netRxBps },
      { label: "Transmit", color: SERIES_COLORS.tx, values: series.netTxBps },
    ],
    disk: [
      { label: "Read", color: SERIES_COLORS.read, values: series.diskReadBps },
      { label: "Write", color: SERIES_COLORS.write, values: series.diskWriteBps },
    ],
  };
}

export interface UsageChartsProps {
  ts: number[];
  cpuUnit: ChartUnit;
  charts: { cpu: ChartSeries[]; memory: ChartSeries[]; network: ChartSeries[]; disk: ChartSeries[] };
  windowSeconds: number;
}

export function UsageCharts({ ts, cpuUnit, charts, windowSeconds }: UsageChartsProps) {
  return (
    <>
      <TimeSeriesChart title="CPU" unit={cpuUnit} ts={ts} series={charts.cpu} windowSeconds={windowSeconds} />
      <TimeSeriesChart title="Memory" unit="bytes" ts={ts} series={charts.memory} windowSeconds={windowSeconds} />
      <TimeSeriesChart
        title="Network"
        unit="bytesPerSecond"
        ts={ts}
        series={charts.network}
        windowSeconds={windowSeconds}
      />
      <TimeSeriesChart title="Disk" unit="bytesPerSecond" ts={ts} series={charts.disk} windowSeconds={windowSeconds} />
    </>
  );
}
