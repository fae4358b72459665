"use client";

import { ChevronRight } from "lucide-react";
import Link from "next/link";
import { type ReactNode, useState } from "react";
import { HostStatusBadge } from "@/components/fleet/host-status-badge";
import { MigrateAction } from "@/components/migrations/migrate-action";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { Fact } from "@/components/ui/fact";
import { RelativeTime } from "@/components/ui/relative-time";
import type { WorkloadDetail } from "@/lib/api-types";
import { formatBytes, formatCores, formatPort } from "@/lib/format";
import { kindLabel, RemovedBadge, WorkloadKindIcon, WorkloadStateBadge } from "./workload-badges";

const LABELS_SHOWN = 8;

function Labels({ labels }: { labels: Record<string, string> }) {
  const [all, setAll] = useState(false);
  const entries = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <span className="text-fg-subtle">None</span>;
  const shown = all ? entries : entries.slice(0, LABELS_SHOWN);
  return (
    <ul className="flex flex-wrap items-center gap-1 whitespace-normal" aria-label="Labels">
      {shown.map(([key, value]) => (
        <li key={key}>
          <Badge className="max-w-80 font-mono font-normal" title={`${key}=${value}`}>
            <span className="truncate">
              <span className="text-fg-subtle">{key}=</span>
              {value}
            </span>
          </Badge>
        </li>
      ))}
      {entries.length > LABELS_SHOWN ? (
        <li>
          <button
            type="button"
            onClick={() => setAll(!all)}
            className="rounded px-1 text-accent text-xs hover:underline"
          >
            {all ? "Show fewer" : `Show all ${entries.length}`}
          </button>
        </li>
      ) : null}
    </ul>
  );
}

/** What the workload is, where it runs and what it was given; `actions` below its name. */
export function WorkloadHeader({ workload: w, actions }: { workload: WorkloadDetail; actions?: ReactNode }) {
  return (
    <header className="space-y-4">
      <nav aria-label="Breadcrumb" className="flex items-center gap-1 text-fg-subtle text-xs">
        <Link href="/" className="hover:text-fg">
          Fleet
        </Link>
        <ChevronRight aria-hidden className="size-3" />
        <Link href={`/hosts/${w.host.id}`} className="hover:text-fg">
          {w.host.name}
        </Link>
        <ChevronRight aria-hidden className="size-3" />
        <span aria-current="page" className="text-fg-muted">
          {w.name}
        </span>
      </nav>

      <div className="flex flex-wrap items-center gap-3">
        <span
          className="flex size-8 items-center justify-center rounded-md border border-border bg-surface-2 text-fg-muted"
          title={kindLabel(w.kind)}
        >
          <WorkloadKindIcon kind={w.kind} className="size-4" />
        </span>
        <h1 className="font-semibold text-fg text-xl tracking-tight">{w.name}</h1>
        <WorkloadStateBadge state={w.state} data-testid="workload-state" />
        {w.removedAt ? <RemovedBadge /> : null}
        <span className="text-fg-subtle text-sm">
          {kindLabel(w.kind)} on{" "}
          <Link href={`/hosts/${w.host.id}`} className="text-accent hover:underline" data-testid="workload-host-link">
            {w.host.name}
          </Link>
        </span>
        {w.host.status !== "online" ? <HostStatusBadge status={w.host.status} /> : null}
        {/* A held workload is already moving or changing: a second migration would be refused. */}
        <fieldset disabled={w.lease !== null} className="m-0 ml-auto min-w-0 border-0 p-0">
          <MigrateAction workload={w} />
        </fieldset>
      </div>

      {actions}

      <Card className="px-4 py-3.5">
        <dl className="grid grid-cols-2 gap-x-6 gap-y-3 md:grid-cols-4 xl:grid-cols-6">
          <Fact label={w.kind === "vm" ? "Disk image" : "Image"} testId="workload-image" wide>
            <span className="font-mono text-xs" title={w.image ?? undefined}>
              {w.image ?? "—"}
            </span>
          </Fact>
          <Fact label="vCPUs" testId="workload-vcpus">
            {w.vcpus ? formatCores(w.vcpus, { trim: true }) : <span className="text-fg-subtle">no limit</span>}
          </Fact>
          <Fact label="Memory allocated" testId="workload-memory">
            {w.memoryBytes ? formatBytes(w.memoryBytes) : <span className="text-fg-subtle">no limit</span>}
          </Fact>
          <Fact label="Driver" testId="workload-driver">
            <Badge className="font-mono">{w.driver}</Badge>
          </Fact>
          <Fact label="Driver ID">
            <span className="font-mono text-xs" title={w.externalId}>
              {w.externalId}
            </span>
          </Fact>
          <Fact label="Created" testId="workload-created">
            <RelativeTime value={w.createdAt} />
          </Fact>
          <Fact label={w.state === "running" ? "Started" : "Last started"} testId="workload-started">
            <RelativeTime value={w.startedAt} />
          </Fact>
          {w.removedAt ? (
            <Fact label="Removed" testId="workload-removed">
              <RelativeTime value={w.removedAt} />
            </Fact>
          ) : null}
          <Fact label="Ports" testId="workload-ports" wide>
            {w.ports.length === 0 ? (
              <span className="text-fg-subtle">None</span>
            ) : (
              <span className="flex flex-wrap gap-1 whitespace-normal">
                {w.ports.map((p) => {
                  const text = formatPort(p);
                  return (
                    <Badge key={text} className="font-mono font-normal">
                      {text}
                    </Badge>
                  );
                })}
              </span>
            )}
          </Fact>
          <Fact label="Labels" testId="workload-labels" className="col-span-full">
            <Labels labels={w.labels} />
          </Fact>
        </dl>
      </Card>
    </header>
  );
}
