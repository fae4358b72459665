"use client";

/**
 * A host's commands, newest first: what was asked, by whom, its state and progress, live.
 * A row opens onto its event log; commands that can still be stopped offer Cancel.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import { ChevronRight } from "lucide-react";
import { Fragment, useMemo, useState } from "react";
import { useMe } from "@/components/shell/require-auth";
import { useCan } from "@/components/shell/use-can";
import { Button } from "@/components/ui/button";
import { RelativeTime } from "@/components/ui/relative-time";
import { Segmented } from "@/components/ui/segmented";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { CommandItem } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { applyCommandUpdate, describeCommand, describeOutcome, isActiveCommandState } from "@/lib/command-state";
import { useCommandUpdates } from "@/lib/command-updates";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { CommandDetails } from "./command-details";
import { CommandProgress, CommandStateBadge } from "./command-state-badge";

const LIMIT = 100;
type Filter = "all" | "active" | "ended";
const COLUMNS = 7;

function CancelButton({ command, title }: { command: CommandItem; title: string }) {
  const trpc = useTRPC();
  const cancel = useMutation(trpc.commands.cancel.mutationOptions());
  if (cancel.isError) {
    return (
      <span role="alert" className="block max-w-56 whitespace-normal text-danger text-xs">
        Cancel failed: {errorMessage(cancel.error)}
      </span>
    );
  }
  if (command.cancelRequested || cancel.isSuccess) {
    return <span className="text-fg-subtle text-xs">Cancelling…</span>;
  }
  return (
    <Button
      size="sm"
      variant="ghost"
      aria-label={`Cancel ${title}`}
      disabled={cancel.isPending}
      onClick={() => cancel.mutate({ id: command.id })}
    >
      {cancel.isPending ? "Cancelling…" : "Cancel"}
    </Button>
  );
}

export function CommandsPanel({ hostId }: { hostId: string }) {
  const trpc = useTRPC();
  const me = useMe();
  const canOperate = useCan("workloads.operate");
  const list = useQuery(trpc.commands.list.queryOptions({ hostId, limit: LIMIT }));
  const workloads = useQuery(trpc.fleet.workloads.queryOptions({ hostId }));
  const updates = useCommandUpdates();
  const [filter, setFilter] = useState<Filter>("all");
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());

  const names = useMemo(() => new Map((workloads.data ?? []).map((w) => [w.externalId, w.name])), [workloads.data]);
  const rows = useMemo(() => {
    const shown = (list.data ?? []).map((c) => {
      const u = updates.get(c.id);
      return u ? applyCommandUpdate(c, u) : c;
    });
    if (filter === "all") return shown;
    return shown.filter((c) => isActiveCommandState(c.state) === (filter === "active"));
  }, [list.data, updates, filter]);

  const toggle = (id: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const requester = (c: CommandItem) =>
    c.requestedById === null ? "Flotilla" : c.requestedById === me.user.id ? "You" : "Another member";

  if (list.isError) {
    return (
      <p role="alert" className="py-8 text-center text-danger text-sm">
        Could not load commands: {errorMessage(list.error)}
      </p>
    );
  }

  return (
    <div className="space-y-3">
      <div className="flex items-center justify-between gap-3">
        <p className="text-fg-subtle text-xs">Newest first · the latest {LIMIT} · states update live</p>
        <Segmented<Filter>
          label="Filter commands by state"
          value={filter}
          onChange={setFilter}
          options={[
            { value: "all", label: "All" },
            { value: "active", label: "Active" },
            { value: "ended", label: "Ended" },
          ]}
        />
      </div>
      <div className="overflow-hidden rounded-card border border-border">
        <Table aria-label="Commands" data-testid="host-commands">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead className="w-8">
                <span className="sr-only">Details</span>
              </TableHead>
              <TableHead>Command</TableHead>
              <TableHead className="max-lg:hidden">Requested by</TableHead>
              <TableHead className="w-28">Requested</TableHead>
              <TableHead className="w-28">State</TableHead>
              <TableHead className="w-64">Progress</TableHead>
              <TableHead className="w-24">
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {!list.data ? (
              ["a", "b", "c"].map((k) => (
                <TableRow key={k}>
                  <TableCell colSpan={COLUMNS}>
                    <Skeleton className="h-5" />
                  </TableCell>
                </TableRow>
              ))
            ) : rows.length === 0 ? (
              <TableRow className="hover:bg-transparent">
                <TableCell colSpan={COLUMNS} className="py-10 text-center text-fg-subtle">
                  {list.data.length === 0 ? "No commands sent to this host yet." : "No commands in this state."}
                </TableCell>
              </TableRow>
            ) : (
              rows.map((c) => {
                const title = describeCommand(c.name, c.payload, (id) => names.get(id));
                const expanded = open.has(c.id);
                const outcome = describeOutcome(c);
                const detailsId = `command-${c.id}-details`;
                return (
                  <Fragment key={c.id}>
                    <TableRow data-command-id={c.id} data-command-name={c.name} data-state={c.state}>
                      <TableCell className="pr-0">
                        <button
                          type="button"
                          aria-expanded={expanded}
                          aria-controls={expanded ? detailsId : undefined}
                          aria-label={`Details of ${title}`}
                          onClick={() => toggle(c.id)}
                          className="rounded p-0.5 text-fg-subtle hover:bg-surface-3 hover:text-fg"
                        >
                          <ChevronRight
                            aria-hidden
                            className={cn("size-4 transition-transform", expanded && "rotate-90")}
                          />
                        </button>
                      </TableCell>
                      <TableCell className="max-w-80">
                        <span className="block truncate font-medium text-fg" title={title}>
                          {title}
                        </span>
                        <span className="font-mono text-[11px] text-fg-subtle">{c.name}</span>
                      </TableCell>
                      <TableCell className="text-fg-muted max-lg:hidden">{requester(c)}</TableCell>
                      <TableCell className="text-fg-muted text-xs tabular-nums">
                        <RelativeTime value={c.createdAt} />
                      </TableCell>
                      <TableCell>
                        <CommandStateBadge state={c.state} />
                      </TableCell>
                      <TableCell className="whitespace-normal">
                        <CommandProgress state={c.state} progress={c.progress} label={`Progress of ${title}`} />
                        <p
                          className={cn(
                            "mt-1 line-clamp-2 text-xs",
                            c.state === "failed" ? "text-danger" : "text-fg-subtle",
                          )}
                          title={outcome?.hint ?? undefined}
                        >
                          {outcome?.detail ?? c.message ?? (c.state === "succeeded" ? "Done" : "\u00a0")}
                        </p>
                      </TableCell>
                      <TableCell className="text-right">
                        {canOperate && c.cancellable && isActiveCommandState(c.state) ? (
                          <CancelButton command={c} title={title} />
                        ) : null}
                      </TableCell>
                    </TableRow>
                    {expanded ? (
                      <TableRow className="bg-canvas/40 hover:bg-canvas/40">
                        <TableCell colSpan={COLUMNS} id={detailsId} className="whitespace-normal p-0">
                          <CommandDetails id={c.id} />
                        </TableCell>
                      </TableRow>
                    ) : null}
                  </Fragment>
                );
              })
            )}
          </TableBody>
        </Table>
      </div>
    </div>
  );
}
