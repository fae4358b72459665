import type { ReactNode } from "react";
import { Card } from "@/components/ui/card";
import { Meter } from "@/components/ui/meter";
import type { HostDetail } from "@/lib/api-types";
import { formatBytes, formatBytesPerSecond, formatCores, formatPercent } from "@/lib/format";
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

function Stat({ label, children, footer }: { label: string; children: ReactNode; footer?: ReactNode }) {
  return (
    <Card className="px-4 py-3" role="group" aria-label={label}>
      <p className="font-medium text-fg-subtle text-xs">{label}</p>
      <div className="mt-1 font-semibold text-fg text-lg tabular-nums tracking-tight">{children}</div>
      {footer ? <div className="mt-1.5 text-fg-subtle text-xs tabular-nums">{footer}</div> : null}
    </Card>
  );
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
    <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
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
      <Stat label="Network now" footer={<>↓ receive · ↑ transmit</>}>
        <span className="text-base" data-testid="host-net-now">
          ↓ {formatBytesPerSecond(offline ? null : figures?.netRxBps)} <span className="text-fg-subtle">/</span> ↑{" "}
          {formatBytesPerSecond(offline ? null : figures?.netTxBps)}
        </span>
      </Stat>
      <Stat label="Disk now" footer={<>read · write</>}>
        <span className="text-base" data-testid="host-disk-now">
          {formatBytesPerSecond(offline ? null : figures?.diskReadBps)} <span className="text-fg-subtle">/</span>{" "}
          {formatBytesPerSecond(offline ? null : figures?.diskWriteBps)}
        </span>
      </Stat>
    </div>
  );
}
