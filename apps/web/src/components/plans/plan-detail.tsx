"use client";

/**
 * One plan: figures, the before/after picture, its moves with step and reason, and — once
 * approved — each move's execution live from `plan:update` (and its migration's progress from
 * `migration:update`). Approve/cancel for roles holding plans.approve; mark emptied hosts for
 * standby after success (hosts.manage).
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { AlertTriangle, Check, Moon, X } from "lucide-react";
import { useMemo, useState } from "react";
import { formatDuration, formatMbps, StateBadge } from "@/components/migrations/migration-state";
import { useCan } from "@/components/shell/use-can";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { ProgressBar } from "@/components/ui/progress";
import { RelativeTime } from "@/components/ui/relative-time";
import { Skeleton } from "@/components/ui/skeleton";
import { StatCard } from "@/components/ui/stat-card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatBytes, formatPercent } from "@/lib/format";
import { useLiveEvent } from "@/lib/live-socket";
import { errorMessage, useTRPC } from "@/lib/trpc";
import type { MigrationUpdateEvent } from "@/shared/live-events";
import { planNames, planPicture, withNames } from "./plan-layout";
import { PlanPicture } from "./plan-picture";

function Outcome({ pending, error, success }: { pending: boolean; error: unknown; success: string | null }) {
  if (pending) return null;
  if (error)
    return (
      <p role="alert" className="text-danger text-sm">
        {errorMessage(error)}
      </p>
    );
  if (success)
    return (
      <p role="status" className="text-ok text-sm">
        {success}
      </p>
    );
  return null;
}

function StandbyButton({ hostId, name }: { hostId: string; name: string }) {
  const trpc = useTRPC();
  const mark = useMutation(trpc.plans.markStandby.mutationOptions());
  return (
    <div className="flex flex-wrap items-center gap-2">
      <Button
        size="sm"
        aria-label={`Mark ${name} standby`}
        disabled={mark.isPending || mark.isSuccess}
        onClick={() => mark.mutate({ hostId })}
      >
        <Moon aria-hidden className="size-3.5" />
        {mark.isPending ? "Marking…" : mark.isSuccess ? `${name} on standby` : `Mark ${name} standby`}
      </Button>
      {mark.isError ? (
        <span role="alert" className="text-danger text-xs">
          {errorMessage(mark.error)}
        </span>
      ) : null}
    </div>
  );
}

/** "all", "team", "group rack-a" or "3 hosts": what the plan was made for. */
function scopeLabel(scope: unknown): string {
  if (typeof scope === "string") return scope;
  const s = (scope ?? {}) as { teamId?: string; group?: string; hostIds?: string[] };
  if (s.group) return `host group ${s.group}`;
  if (s.hostIds) return `${s.hostIds.length} hosts`;
  return "team";
}

export function PlanDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const plan = useQuery(trpc.plans.get.queryOptions({ id }));
  const canApprove = useCan("plans.approve");
  const canManageHosts = useCan("hosts.manage");
  const [migrations, setMigrations] = useState<Record<string, MigrationUpdateEvent>>({});
  const [done, setDone] = useState<string | null>(null);

  const refresh = () => {
    void queryClient.invalidateQueries(trpc.plans.get.queryFilter({ id }));
    void queryClient.invalidateQueries(trpc.plans.list.queryFilter());
  };
  useLiveEvent("plan:update", (e) => {
    if (e.id === id) refresh();
  });
  useLiveEvent("migration:update", (e) => {
    if (plan.data?.execution.some((m) => m.migrationId === e.id)) setMigrations((prev) => ({ ...prev, [e.id]: e }));
  });

  const approve = useMutation(
    trpc.plans.approve.mutationOptions({
      onMutate: () => setDone(null),
      onSuccess: () => {
        setDone("Approved: the executor starts the first step.");
        refresh();
      },
    }),
  );
  const cancel = useMutation(
    trpc.plans.cancel.mutationOptions({
      onMutate: () => setDone(null),
      onSuccess: (p) => {
        setDone(
          p.state === "running" ? "Cancelling: running migrations finish, no new move starts." : "Plan cancelled.",
        );
        refresh();
      },
    }),
  );

  const p = plan.data;
  const picture = useMemo(() => (p ? planPicture(p) : null), [p]);
  const names = useMemo(() => (p ? planNames(p) : new Map<string, string>()), [p]);

  if (plan.isError)
    return (
      <Card role="alert" className="px-4 py-3 text-danger text-sm">
        {errorMessage(plan.error)}
      </Card>
    );
  if (!p || !picture) return <Skeleton className="h-64" />;

  const f = p.output.figures;
  const peak = (resource: "cpu" | "memory") =>
    Math.max(
      0,
      ...picture.after
        .filter((h) => !h.empty)
        .map((h) => (resource === "cpu" ? h.cpuUsed / h.cpu : h.memoryUsedMb / h.memoryMb)),
    );
  const active = p.state === "approved" || p.state === "running";
  const name = (idOrName: string) => names.get(idOrName) ?? idOrName;

  return (
    <div className="space-y-4" data-testid="plan-detail" data-state={p.state}>
      <div className="flex flex-wrap items-center gap-3">
        <h2 className="font-semibold text-base text-fg">Plan</h2>
        <StateBadge state={p.state} testId="plan-state" />
        <span className="text-fg-subtle text-xs">
          created <RelativeTime value={p.createdAt} /> · scope {scopeLabel(p.scope)}
        </span>
        <div className="ml-auto flex items-center gap-2">
          {canApprove && p.state === "draft" ? (
            <Button
              variant="primary"
              size="sm"
              disabled={approve.isPending || p.moves === 0}
              title={p.moves === 0 ? "Nothing to move: this plan has no moves" : undefined}
              onClick={() => approve.mutate({ id })}
            >
              <Check aria-hidden className="size-3.5" />
              {approve.isPending ? "Approving…" : "Approve plan"}
            </Button>
          ) : null}
          {canApprove && (p.state === "draft" || active) && !p.cancelRequestedAt ? (
            <Button variant="danger" size="sm" disabled={cancel.isPending} onClick={() => cancel.mutate({ id })}>
              <X aria-hidden className="size-3.5" />
              {cancel.isPending ? "Cancelling…" : "Cancel plan"}
            </Button>
          ) : null}
        </div>
      </div>
      <Outcome pending={approve.isPending || cancel.isPending} error={approve.error ?? cancel.error} success={done} />

      <div className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-6" data-testid="plan-figures">
        <StatCard label="Hosts before">{f.hostsBefore}</StatCard>
        <StatCard label="Hosts after" footer={`${f.hostsBefore - f.hostsAfter} freed`}>
          {f.hostsAfter}
        </StatCard>
        <StatCard label="Lower bound" footer="fewest hosts possible">
          {f.lowerBound}
        </StatCard>
        <StatCard label="Migrations">{f.migrations}</StatCard>
        <StatCard label="Bytes to move">{formatBytes(f.bytesToMove)}</StatCard>
        <StatCard label="Peak use after" footer="busiest host, CPU · memory">
          {formatPercent(peak("cpu"), 0)} · {formatPercent(peak("memory"), 0)}
        </StatCard>
      </div>

      {p.output.warnings?.length ? (
        <Card role="note" data-testid="plan-warnings" className="space-y-1 border-warn/40 bg-warn/10 px-4 py-3 text-sm">
          {p.output.warnings.map((w) => (
            <p key={w} className="flex gap-2 text-fg">
              <AlertTriangle aria-hidden className="mt-0.5 size-4 shrink-0 text-warn" />
              {withNames(w, names)}
            </p>
          ))}
        </Card>
      ) : null}

      {p.state !== "draft" && p.moves > 0 ? (
        <Card className="space-y-2 px-4 py-3" data-testid="plan-progress">
          <div className="flex items-center gap-2 text-sm">
            <span className="font-medium text-fg">Execution</span>
            <span className="text-fg-muted text-xs tabular-nums">
              {p.movesSucceeded} of {p.moves} moves done{p.step !== null ? ` · step ${p.step}` : ""}
            </span>
          </div>
          <ProgressBar
            value={p.progress}
            label="Plan execution progress"
            tone={p.state === "failed" ? "danger" : p.state === "succeeded" ? "ok" : "info"}
          />
          {p.error ? <p className="text-danger text-xs">{p.error}</p> : null}
        </Card>
      ) : p.error ? (
        <p className="text-fg-muted text-sm">{p.error}</p>
      ) : null}

      <PlanPicture picture={picture} policy={p.input.policy} />

      {picture.emptied.length > 0 && canManageHosts ? (
        <Card>
          <CardHeader>
            <div>
              <CardTitle>Emptied hosts</CardTitle>
              <CardDescription>
                {p.state === "succeeded"
                  ? "Mark them standby: later plans keep them empty (nothing is powered down)."
                  : "Once the plan has succeeded, these can be marked standby."}
              </CardDescription>
            </div>
          </CardHeader>
          <CardContent className="flex flex-wrap gap-3">
            {picture.emptied.map((h) =>
              p.state === "succeeded" ? (
                <StandbyButton key={h} hostId={h} name={name(h)} />
              ) : (
                <span key={h} className="rounded-md bg-surface-2 px-2 py-1 text-fg-muted text-xs">
                  {name(h)}
                </span>
              ),
            )}
          </CardContent>
        </Card>
      ) : null}

      <Card>
        <CardHeader>
          <CardTitle>Moves</CardTitle>
          <CardDescription>{p.execution.length === 0 ? "Nothing needs to move." : "In step order."}</CardDescription>
        </CardHeader>
        {p.execution.length > 0 ? (
          <Table aria-label="Plan moves">
            <TableHeader>
              <TableRow>
                <TableHead>Step</TableHead>
                <TableHead>Workload</TableHead>
                <TableHead>From → to</TableHead>
                <TableHead>Reason</TableHead>
                <TableHead>State</TableHead>
                <TableHead>Progress</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {p.execution.map((m) => {
                const mig = m.migrationId ? migrations[m.migrationId] : undefined;
                return (
                  <TableRow key={m.index} data-testid="plan-move">
                    <TableCell className="tabular-nums">{m.step}</TableCell>
                    <TableCell className="font-medium text-fg">{name(m.workload)}</TableCell>
                    <TableCell>
                      {name(m.from)} → {name(m.to)}
                    </TableCell>
                    <TableCell className="max-w-72 whitespace-normal text-fg-muted text-xs">
                      {withNames(m.reason, names)}
                    </TableCell>
                    <TableCell>
                      <StateBadge state={m.state} />
                      {m.error ? (
                        <p className="mt-1 max-w-60 whitespace-normal text-danger text-xs">{m.error}</p>
                      ) : null}
                    </TableCell>
                    <TableCell className="min-w-40">
                      {m.state === "running" ? (
                        <div className="space-y-1">
                          <ProgressBar value={mig?.progress ?? null} label={`Moving ${name(m.workload)}`} />
                          <p className="text-[11px] text-fg-subtle tabular-nums">
                            {mig
                              ? `${formatBytes(mig.transferredBytes)} of ${formatBytes(mig.totalBytes)} · ${formatMbps(mig.mbps)}`
                              : "starting…"}
                          </p>
                        </div>
                      ) : m.state === "succeeded" && mig ? (
                        <span className="text-fg-subtle text-xs">downtime {formatDuration(mig.downtimeMs)}</span>
                      ) : null}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        ) : null}
      </Card>
    </div>
  );
}
