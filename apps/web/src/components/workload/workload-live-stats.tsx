import { Meter } from "@/components/ui/meter";
import { RatePair, StatCard } from "@/components/ui/stat-card";
import type { WorkloadDetail } from "@/lib/api-types";
import { SERIES_COLORS } from "@/lib/chart-theme";
import { formatBytes, formatCores, formatPercent } from "@/lib/format";

/** A workload's newest figures: from the live stream, or what the page was loaded with. */
export interface WorkloadFigures {
  cpuCores: number | null;
  memUsedBytes: number | null;
  netRxBps: number | null;
  netTxBps: number | null;
  diskReadBps: number | null;
  diskWriteBps: number | null;
}

function why(w: WorkloadDetail): string {
  if (w.removedAt) return "removed";
  if (w.host.status === "offline") return "host offline";
  if (w.state !== "running") return `not running`;
  return "no recent sample";
}

/** CPU, memory, network and disk now, each against what the workload was given. */
export function WorkloadLiveStats({
  workload: w,
  figures,
}: {
  workload: WorkloadDetail;
  figures: WorkloadFigures | null;
}) {
  const f = figures;
  const cpu = f?.cpuCores ?? null;
  // Without a CPU limit a container may use every core of its host.
  const cpuLimit = w.vcpus || w.host.cpuCores || null;
  const cpuRatio = cpu === null || !cpuLimit ? null : cpu / cpuLimit;
  const mem = f?.memUsedBytes ?? null;
  const memRatio = mem === null || !w.memoryBytes ? null : mem / w.memoryBytes;

  return (
    <div className="grid grid-cols-2 gap-3 lg:grid-cols-4">
      <StatCard
        label="CPU now"
        footer={
          <>
            <Meter ratio={cpuRatio} className="mb-1.5" />
            {cpu === null
              ? why(w)
              : w.vcpus
                ? `${formatPercent(cpuRatio)} of ${formatCores(w.vcpus, { trim: true })} vCPU${w.vcpus === 1 ? "" : "s"}`
                : `${formatPercent(cpuRatio)} of ${w.host.cpuCores} host cores · no limit`}
          </>
        }
      >
        <span data-testid="workload-cpu-now">{cpu === null ? "—" : `${formatCores(cpu)} cores`}</span>
      </StatCard>
      <StatCard
        label="Memory now"
        footer={
          <>
            <Meter ratio={memRatio} className="mb-1.5" />
            {w.memoryBytes
              ? `${mem === null ? "—" : formatPercent(memRatio)} of ${formatBytes(w.memoryBytes)} allocated`
              : "no memory limit"}
          </>
        }
      >
        <span data-testid="workload-mem-now">{formatBytes(mem)}</span>
      </StatCard>
      <StatCard label="Network now">
        <RatePair
          testId="workload-net-now"
          rows={[
            { label: "Receive", color: SERIES_COLORS.rx, value: f?.netRxBps },
            { label: "Transmit", color: SERIES_COLORS.tx, value: f?.netTxBps },
          ]}
        />
      </StatCard>
      <StatCard label="Disk now">
        <RatePair
          testId="workload-disk-now"
          rows={[
            { label: "Read", color: SERIES_COLORS.read, value: f?.diskReadBps },
            { label: "Write", color: SERIES_COLORS.write, value: f?.diskWriteBps },
          ]}
        />
      </StatCard>
    </div>
  );
}
