"use client";

/**
 * /migrations: running and past migrations with live progress (bytes, speed, expected
 * downtime) from `migration:update`, results and failures; evacuations from `evacuation:update`.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useCan } from "@/components/shell/use-can";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ProgressBar } from "@/components/ui/progress";
import { RelativeTime } from "@/components/ui/relative-time";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { RouterOutputs } from "@/lib/api-types";
import { formatBytes } from "@/lib/format";
import { useLiveEvent } from "@/lib/live-socket";
import { errorMessage, useTRPC } from "@/lib/trpc";
import type { MigrationUpdateEvent } from "@/shared/live-events";
import { ACTIVE_MIGRATION_STATES, formatDuration, formatMbps, StateBadge } from "./migration-state";

type MigrationView = RouterOutputs["migrations"]["list"][number];

function WorkloadName({ id }: { id: string }) {
  const trpc = useTRPC();
  const w = useQuery({ ...trpc.fleet.workload.queryOptions({ id }), staleTime: 300_000, retry: false });
  return (
    <Link href={`/workloads/${id}`} className="font-medium text-fg hover:text-accent hover:underline">
      {w.data?.name ?? `${id.slice(0, 8)}…`}
    </Link>
  );
}

function CancelMigration({ id, name }: { id: string; name: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const cancel = useMutation(
    trpc.migrations.cancel.mutationOptions({
      onSuccess: () => void queryClient.invalidateQueries(trpc.migrations.list.queryFilter()),
    }),
  );
  return (
    <div className="space-y-1">
      <Button
        size="sm"
        variant="danger"
        aria-label={`Cancel migration of ${name}`}
        disabled={cancel.isPending || cancel.isSuccess}
        onClick={() => cancel.mutate({ id })}
      >
        {cancel.isPending ? "Cancelling…" : cancel.isSuccess ? "Cancel requested" : "Cancel"}
      </Button>
      {cancel.isError ? (
        <p role="alert" className="max-w-48 whitespace-normal text-danger text-xs">
          {errorMessage(cancel.error)}
        </p>
      ) : null}
    </div>
  );
}

function Progress({ m }: { m: MigrationView }) {
  if (ACTIVE_MIGRATION_STATES.includes(m.state)) {
    const value =
      m.progress ?? (m.totalBytes && m.transferredBytes !== null ? m.transferredBytes / m.totalBytes : null);
    return (
      <div className="min-w-56 space-y-1" data-testid="migration-progress">
        <ProgressBar value={value} label={`Migration progress of ${m.externalId}`} />
        <p className="text-[11px] text-fg-subtle tabular-nums">
          {m.phase ? <span className="text-fg-muted">{m.phase} · </span> : null}
          {formatBytes(m.transferredBytes)} of {formatBytes(m.totalBytes)} · {formatMbps(m.mbps)}
          {m.expectedDowntimeMs !== null ? ` · expected downtime ${formatDuration(m.expectedDowntimeMs)}` : ""}
        </p>
      </div>
    );
  }
  if (m.state === "succeeded")
    return (
      <p className="text-xs tabular-nums" data-testid="migration-result">
        <span className="text-fg">downtime {formatDuration(m.downtimeMs)}</span>
        <span className="text-fg-subtle">
          {" "}
          · total {formatDuration(m.totalTimeMs)} · {formatBytes(m.transferredBytes ?? m.totalBytes)}
        </span>
      </p>
    );
  return (
    <p className="max-w-80 whitespace-normal text-danger text-xs" data-testid="migration-error">
      {m.error ?? `Ended ${m.state}.`}
    </p>
  );
}

function MigrationsTable({ hostName }: { hostName: (id: string) => string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canRun = useCan("migrations.run");
  const list = useQuery(trpc.migrations.list.queryOptions({ limit: 100 }));
  const [live, setLive] = useState<Record<string, MigrationUpdateEvent>>({});

  useLiveEvent("migration:update", (e) => {
    setLive((prev) => ({ ...prev, [e.id]: e }));
    const known = list.data?.find((m) => m.id === e.id);
    // A new migration, or a change of state: the row's detail (warnings, finish time) is refetched.
    if (!known || known.state !== e.state) void queryClient.invalidateQueries(trpc.migrations.list.queryFilter());
  });

  const rows = (list.data ?? []).map((m) => (live[m.id] ? { ...m, ...live[m.id] } : m));
  const running = rows.filter((m) => ACTIVE_MIGRATION_STATES.includes(m.state)).length;

  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle>Migrations</CardTitle>
          <CardDescription>
            {running > 0 ? `${running} running` : "None running"} · VMs move live, containers cold
          </CardDescription>
        </div>
      </CardHeader>
      {list.isError ? (
        <p role="alert" className="px-4 pb-4 text-danger text-sm">
          {errorMessage(list.error)}
        </p>
      ) : rows.length === 0 ? (
        <p className="px-4 pb-4 text-fg-subtle text-sm">
          {list.isPending ? "Loading…" : "No migration yet. Start one from a VM or container page (Migrate)."}
        </p>
      ) : (
        <Table aria-label="Migrations">
          <TableHeader>
            <TableRow>
              <TableHead>Workload</TableHead>
              <TableHead>From → to</TableHead>
              <TableHead>State</TableHead>
              <TableHead>Progress / result</TableHead>
              <TableHead>Started</TableHead>
              {canRun ? (
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              ) : null}
            </TableRow>
          </TableHeader>
          <TableBody>
            {rows.map((m) => (
              <TableRow key={m.id} data-testid="migration-row" data-state={m.state}>
                <TableCell>
                  <div className="flex flex-col">
                    <WorkloadName id={m.workloadId} />
                    <span className="text-[11px] text-fg-subtle">
                      {m.kind === "live" ? "VM · live" : "container · cold"}
                      {m.storage ? ` · ${m.storage} storage` : ""}
                      {m.evacuationId ? " · evacuation" : ""}
                    </span>
                  </div>
                </TableCell>
                <TableCell className="whitespace-nowrap">
                  {hostName(m.sourceHostId)} → {hostName(m.targetHostId)}
                </TableCell>
                <TableCell>
                  <StateBadge state={m.state} />
                </TableCell>
                <TableCell>
                  <Progress m={m} />
                </TableCell>
                <TableCell className="whitespace-nowrap text-fg-muted text-xs">
                  <RelativeTime value={m.apiCalledAt} />
                </TableCell>
                {canRun ? (
                  <TableCell>
                    {ACTIVE_MIGRATION_STATES.includes(m.state) && !m.cancelRequestedAt ? (
                      <CancelMigration id={m.id} name={m.externalId} />
                    ) : null}
                  </TableCell>
                ) : null}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Card>
  );
}

function EvacuationsTable({ hostName }: { hostName: (id: string) => string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.maintenance.list.queryOptions({ limit: 50 }));
  useLiveEvent("evacuation:update", () => {
    void queryClient.invalidateQueries(trpc.maintenance.list.queryFilter());
  });
  const rows = list.data ?? [];
  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle>Evacuations</CardTitle>
          <CardDescription>Hosts emptied for maintenance, move by move.</CardDescription>
        </div>
      </CardHeader>
      {list.isError ? (
        <p role="alert" className="px-4 pb-4 text-danger text-sm">
          {errorMessage(list.error)}
        </p>
      ) : rows.length === 0 ? (
        <p className="px-4 pb-4 text-fg-subtle text-sm">
          {list.isPending ? "Loading…" : "No evacuation yet. Enter maintenance with evacuate on a host page."}
        </p>
      ) : (
        <Table aria-label="Evacuations">
          <TableHeader>
            <TableRow>
              <TableHead>Host</TableHead>
              <TableHead>State</TableHead>
              <TableHead>Moves</TableHead>
              <TableHead>Started</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {rows.map((e) => (
              <TableRow key={e.id} data-testid="evacuation-row" data-state={e.state}>
                <TableCell>
                  <Link href={`/hosts/${e.hostId}`} className="font-medium text-fg hover:text-accent hover:underline">
                    {hostName(e.hostId)}
                  </Link>
                </TableCell>
                <TableCell>
                  <StateBadge state={e.state} />
                  {e.error ? <p className="mt-1 max-w-80 whitespace-normal text-danger text-xs">{e.error}</p> : null}
                </TableCell>
                <TableCell className="min-w-48">
                  <div className="space-y-1">
                    <ProgressBar
                      value={e.moves.length > 0 ? e.progress : e.state === "planning" ? null : 1}
                      label={`Evacuation of ${hostName(e.hostId)}`}
                      tone={e.state === "failed" ? "danger" : e.state === "succeeded" ? "ok" : "info"}
                    />
                    <p className="text-[11px] text-fg-subtle tabular-nums">
                      {e.movesSucceeded} of {e.moves.length} moved
                    </p>
                  </div>
                </TableCell>
                <TableCell className="whitespace-nowrap text-fg-muted text-xs">
                  <RelativeTime value={e.createdAt} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Card>
  );
}

export function MigrationsView() {
  const trpc = useTRPC();
  const hosts = useQuery(trpc.fleet.hosts.queryOptions());
  const hostName = (id: string) => hosts.data?.find((h) => h.id === id)?.name ?? `${id.slice(0, 8)}…`;
  return (
    <div className="space-y-5">
      <div>
        <h1 className="font-semibold text-fg text-xl tracking-tight">Migrations</h1>
        <p className="text-fg-subtle text-sm">Workloads moving between hosts, live; their results and failures.</p>
      </div>
      <MigrationsTable hostName={hostName} />
      <EvacuationsTable hostName={hostName} />
    </div>
  );
}
