"use client";

import { ChevronRight, Rocket } from "lucide-react";
import Link from "next/link";
import { HostStatusBadge } from "@/components/fleet/host-status-badge";
import { EvacuationProgress, MaintenanceAction } from "@/components/maintenance/maintenance-action";
import { useCan } from "@/components/shell/use-can";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { Fact } from "@/components/ui/fact";
import { RelativeTime } from "@/components/ui/relative-time";
import type { HostDetail } from "@/lib/api-types";
import { formatBytes, formatDateTime } from "@/lib/format";
import { CreateVm } from "./create-vm";
import { HostGroup } from "./host-group";
import { RemoveHostAction } from "./remove-host-action";

/** Drivers that run containers: a host with one of them can be deployed to. */
const CONTAINER_DRIVERS = ["docker", "sim"];

/** Who the host is and what it can hold: identity, capacity, drivers, agent. */
export function HostHeader({ host }: { host: HostDetail }) {
  const canDeploy = useCan("workloads.operate") && host.drivers.some((d) => CONTAINER_DRIVERS.includes(d));
  return (
    <header className="space-y-4">
      <nav aria-label="Breadcrumb" className="flex items-center gap-1 text-fg-subtle text-xs">
        <Link href="/" className="hover:text-fg">
          Fleet
        </Link>
        <ChevronRight aria-hidden className="size-3" />
        <span aria-current="page" className="text-fg-muted">
          {host.name}
        </span>
      </nav>

      <div className="flex flex-wrap items-center gap-3">
        <h1 className="font-semibold text-fg text-xl tracking-tight">{host.name}</h1>
        <HostStatusBadge status={host.status} />
        {host.simulated ? <Badge title="This host is simulated by the sim driver">simulated</Badge> : null}
        {host.teamName ? <Badge tone="info">{host.teamName}</Badge> : null}
        <div className="ml-auto flex flex-wrap items-center gap-2">
          <MaintenanceAction host={host} />
          {host.drivers.includes("qemu") || host.drivers.includes("libvirt") ? <CreateVm host={host} /> : null}
          {canDeploy ? (
            <Link
              href={`/deploy?host=${encodeURIComponent(host.id)}`}
              className="inline-flex h-8 items-center gap-2 rounded-md border border-border bg-surface-2 px-3 font-medium text-fg text-sm hover:border-border-strong hover:bg-surface-3"
            >
              <Rocket aria-hidden className="size-3.5 text-accent" />
              Deploy here
            </Link>
          ) : null}
          <RemoveHostAction host={host} />
        </div>
      </div>

      <EvacuationProgress hostId={host.id} name={host.name} />

      <Card className="px-4 py-3.5">
        <dl className="grid grid-cols-2 gap-x-6 gap-y-3 md:grid-cols-4 xl:grid-cols-6">
          <Fact label="CPU" testId="host-cpu-model" wide>
            <span title={host.cpuModel || undefined}>{host.cpuModel || "Unknown"}</span>
          </Fact>
          <Fact label="Cores" testId="host-cores">
            {host.cpuCores || "—"}
          </Fact>
          <Fact label="Memory" testId="host-memory">
            {formatBytes(host.memoryBytes)}
          </Fact>
          <Fact label="OS / kernel" testId="host-os" wide>
            <span title={`${host.os || "Unknown OS"} · ${host.kernel || "unknown kernel"}`}>
              {host.os || "Unknown"} <span className="text-fg-subtle">· {host.kernel || "?"}</span>
            </span>
          </Fact>
          <Fact label="KVM" testId="host-kvm">
            {host.kvm ? <Badge tone="ok">Yes</Badge> : <Badge>No</Badge>}
            {host.arch ? <span className="ml-2 text-fg-subtle text-xs">{host.arch}</span> : null}
          </Fact>
          <Fact label="Drivers" testId="host-drivers">
            {host.drivers.length === 0 ? (
              <span className="text-fg-subtle">None found</span>
            ) : (
              <span className="flex flex-wrap gap-1">
                {host.drivers.map((d) => (
                  <Badge key={d} className="font-mono">
                    {d}
                  </Badge>
                ))}
              </span>
            )}
          </Fact>
          <Fact label="Agent" testId="host-agent-version">
            <span className="font-mono text-xs">{host.agentVersion ?? "—"}</span>
          </Fact>
          <Fact label="Last seen" testId="host-last-seen">
            <RelativeTime value={host.lastSeenAt} />
            {host.intervalMs ? (
              <span className="text-fg-subtle text-xs"> · every {Math.round(host.intervalMs / 100) / 10} s</span>
            ) : null}
          </Fact>
          <Fact label="Machine ID">
            <span className="font-mono text-xs" title={host.machineId || undefined}>
              {host.machineId || "—"}
            </span>
          </Fact>
          <Fact label="Group" wide>
            <HostGroup hostId={host.id} group={host.group} />
          </Fact>
          <Fact label="Enrolled">
            <span title={formatDateTime(host.createdAt)}>
              <RelativeTime value={host.createdAt} />
            </span>
          </Fact>
        </dl>
      </Card>
    </header>
  );
}
