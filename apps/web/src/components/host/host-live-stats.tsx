import { Meter } from "@/components/ui/meter";
import { RatePair, StatCard as Stat } from "@/components/ui/stat-card";
import type { HostDetail } from "@/lib/api-types";
import { SERIES_COLORS } from "@/lib/chart-theme";
import { formatBytes, formatCores, formatPercent } from "@/lib/format";
import type { HostMetricsEvent } from "@/shared/live-events";

/** The newest figures of a host, from the live stream or, before the first tick, its history. */
export interface HostNowFigures {
  cpuRatio: number | null;
  memUsedBytes: number | null;
  memTotalBytes: number | null;
  netRxBps: number | null;
  netTxBps: number | null;
  diskReadBps: number | null;
  diskWriteBps: number | null;
  load1: number | null;
}

export function figuresFromEvent(e: HostMetricsEvent): HostNowFigures {
  return {
    cpuRatio: e.cpuRatio,
    memUsedBytes: e.memUsedBytes,
    memTotalBytes: e.memTotalBytes,
    netRxBps: e.netRxBps,
    netTxBps: e.netTxBps,
    diskReadBps: e.diskReadBps,
    diskWriteBps: e.diskWriteBps,
    load1: e.load1,
  };
}

export function HostLiveStats({ host, figures }: { host: HostDetail; figures: HostNowFigures | null }) {
  const offline = host.status === "offline";
  const cpu = offline ? null : (figures?.cpuRatio ?? host.now?.cpuRatio ?? null);
  const memTotal = figures?.memTotalBytes || host.memoryBytes;
  const memUsed = offline ? null : (figures?.memUsedBytes ?? null);
  const memRatio = offline
    ? null
    : memUsed !== null && memTotal > 0
      ? memUsed / memTotal
      : (host.now?.memRatio ?? null);

  return (
    <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
      <Stat
        label="CPU now"
        footer={
          <>
            <Meter ratio={cpu} className="mb-1.5" />
            {cpu === null ? "no recent sample" : `${formatCores(cpu * host.cpuCores)} of ${host.cpuCores} cores`}
            {figures?.load1 !== null && figures?.load1 !== undefined ? ` · load ${figures.load1.toFixed(2)}` : ""}
          </>
        }
      >
        <span data-testid="host-cpu-now">{formatPercent(cpu)}</span>
      </Stat>
      <Stat
        label="Memory now"
        footer={
          <>
            <Meter ratio={memRatio} className="mb-1.5" />
            {memUsed === null
              ? `${formatBytes(memTotal)} installed`
              : `${formatBytes(memUsed)} of ${formatBytes(memTotal)}`}
          </>
        }
      >
        <span data-testid="host-mem-now">{formatPercent(memRatio)}</span>
      </Stat>
      <Stat label="Network now">
        <RatePair
          testId="host-net-now"
          rows={[
            { label: "Receive", color: SERIES_COLORS.rx, value: offline ? null : figures?.netRxBps },
            { label: "Transmit", color: SERIES_COLORS.tx, value: offline ? null : figures?.netTxBps },
          ]}
        />
      </Stat>
      <Stat label="Disk now">
        <RatePair
          testId="host-disk-now"
          rows={[
            { label: "Read", color: SERIES_COLORS.read, value: offline ? null : figures?.diskReadBps },
            { label: "Write", color: SERIES_COLORS.write, value: offline ? null : figures?.diskWriteBps },
          ]}
        />
      </Stat>
    </div>
  );
}
