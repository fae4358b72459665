import { Boxes, Cpu, MemoryStick, MonitorCog, Server } from "lucide-react";
import type { ReactNode } from "react";
import { Card } from "@/components/ui/card";
import { Meter } from "@/components/ui/meter";
import { Skeleton } from "@/components/ui/skeleton";
import type { FleetSummary, HostRow } from "@/lib/api-types";
import { summariseHosts } from "@/lib/fleet-live";
import { formatBytes, formatCores, formatCount, formatPercent } from "@/lib/format";

interface TileProps {
  label: string;
  icon: ReactNode;
  testId: string;
  value: ReactNode;
  detail?: ReactNode;
  footer?: ReactNode;
}

function Tile({ label, icon, testId, value, detail, footer }: TileProps) {
  return (
    <Card className="flex flex-col gap-2 px-4 py-3.5" role="group" aria-label={label} data-testid={testId}>
      <div className="flex items-center justify-between text-fg-subtle">
        <span className="font-medium text-xs">{label}</span>
        <span aria-hidden className="text-fg-subtle/80 [&_svg]:size-4">
          {icon}
        </span>
      </div>
      <div>
        <span className="font-semibold text-2xl text-fg tabular-nums tracking-tight">{value}</span>
        {detail ? <p className="truncate text-fg-subtle text-xs tabular-nums">{detail}</p> : null}
      </div>
      {footer ? <div className="mt-auto text-xs">{footer}</div> : null}
    </Card>
  );
}

function ratio(used: number, total: number): number | null {
  return total > 0 ? used / total : null;
}

export interface FleetTilesProps {
  summary: FleetSummary | undefined;
  rows: HostRow[] | undefined;
}

/**
 * The fleet at a glance. Host counts and CPU/memory come from the live host rows (so they
 * move with the table); VM and container counts from the periodically refreshed summary.
 */
export function FleetTiles({ summary, rows }: FleetTilesProps) {
  if (!summary && !rows) {
    return (
      <div className="grid grid-cols-2 gap-3 md:grid-cols-3 lg:grid-cols-5" aria-busy="true">
        {["a", "b", "c", "d", "e"].map((k) => (
          <Skeleton key={k} className="h-[104px] rounded-card" />
        ))}
      </div>
    );
  }

  const live = rows ? summariseHosts(rows) : summary;
  const hosts = live?.hosts ?? { online: 0, offline: 0, maintenance: 0, total: 0 };
  const cpu = live?.cpu ?? { usedCores: 0, totalCores: 0 };
  const memory = live?.memory ?? { usedBytes: 0, totalBytes: 0 };
  const cpuRatio = ratio(cpu.usedCores, cpu.totalCores);
  const memRatio = ratio(memory.usedBytes, memory.totalBytes);

  return (
    <div className="grid grid-cols-2 gap-3 md:grid-cols-3 lg:grid-cols-5">
      <Tile
        label="Hosts online"
        testId="tile-hosts"
        icon={<Server />}
        value={<span data-testid="tile-hosts-online">{formatCount(hosts.online)}</span>}
        detail={`of ${formatCount(hosts.total)}`}
        footer={
          <div className="flex flex-wrap gap-x-3 gap-y-1 text-fg-muted">
            <span data-testid="tile-hosts-offline">
              <span aria-hidden className="mr-1.5 inline-block size-1.5 rounded-full bg-danger align-middle" />
              {formatCount(hosts.offline)} offline
            </span>
            <span data-testid="tile-hosts-maintenance">
              <span aria-hidden className="mr-1.5 inline-block size-1.5 rounded-full bg-maint align-middle" />
              {formatCount(hosts.maintenance)} maintenance
            </span>
          </div>
        }
      />
      <Tile
        label="VMs running"
        testId="tile-vms"
        icon={<MonitorCog />}
        value={summary ? formatCount(summary.vms.running) : "—"}
        detail={summary ? `of ${formatCount(summary.vms.total)}` : undefined}
        footer={<Meter ratio={summary ? ratio(summary.vms.running, summary.vms.total) : null} tone="info" />}
      />
      <Tile
        label="Containers running"
        testId="tile-containers"
        icon={<Boxes />}
        value={summary ? formatCount(summary.containers.running) : "—"}
        detail={summary ? `of ${formatCount(summary.containers.total)}` : undefined}
        footer={
          <Meter ratio={summary ? ratio(summary.containers.running, summary.containers.total) : null} tone="info" />
        }
      />
      <Tile
        label="Fleet CPU"
        testId="tile-cpu"
        icon={<Cpu />}
        value={formatPercent(cpuRatio)}
        detail={`${formatCores(cpu.usedCores)} of ${formatCount(cpu.totalCores)} cores`}
        footer={<Meter ratio={cpuRatio} />}
      />
      <Tile
        label="Fleet memory"
        testId="tile-memory"
        icon={<MemoryStick />}
        value={formatPercent(memRatio)}
        detail={`${formatBytes(memory.usedBytes)} of ${formatBytes(memory.totalBytes)}`}
        footer={<Meter ratio={memRatio} />}
      />
    </div>
  );
}
