"use client";

/**
 * What happened to a workload, newest first: state changes recorded from inventories and the
 * agent's events about it. Refetched by the live sync when its host's inventory changes.
 */
import { useQuery } from "@tanstack/react-query";
import { ArrowRight, CircleDot, Radio } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { RelativeTime } from "@/components/ui/relative-time";
import { Skeleton } from "@/components/ui/skeleton";
import type { WorkloadHistoryItem } from "@/lib/api-types";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { WorkloadStateBadge } from "./workload-badges";

export const HISTORY_LIMIT = 100;

function StateChange({ item }: { item: Extract<WorkloadHistoryItem, { type: "state" }> }) {
  if (item.fromState === null) {
    return (
      <span className="flex flex-wrap items-center gap-1.5">
        First seen <WorkloadStateBadge state={item.toState} />
      </span>
    );
  }
  return (
    <span className="flex flex-wrap items-center gap-1.5">
      {item.toState === "removed" ? "Removed" : "State changed"}
      <WorkloadStateBadge state={item.fromState} />
      <ArrowRight aria-label="to" className="size-3 text-fg-subtle" />
      <WorkloadStateBadge state={item.toState} />
    </span>
  );
}

function HistoryRow({ item }: { item: WorkloadHistoryItem }) {
  const Icon = item.type === "state" ? CircleDot : Radio;
  return (
    <li className="flex items-start gap-3 px-4 py-2.5" data-history-type={item.type}>
      <Icon aria-hidden className="mt-0.5 size-3.5 shrink-0 text-fg-subtle" />
      <div className="min-w-0 flex-1 text-fg text-sm">
        {item.type === "state" ? (
          <StateChange item={item} />
        ) : (
          <span className="flex flex-wrap items-center gap-1.5">
            <span className="break-words">{item.message}</span>
            <Badge className="font-mono font-normal">{item.kind}</Badge>
          </span>
        )}
      </div>
      <RelativeTime value={item.at} className="shrink-0 text-fg-subtle text-xs tabular-nums" />
    </li>
  );
}

export function WorkloadHistory({ workloadId }: { workloadId: string }) {
  const trpc = useTRPC();
  const history = useQuery(trpc.fleet.workloadHistory.queryOptions({ id: workloadId, limit: HISTORY_LIMIT }));
  const items = history.data;

  return (
    <Card>
      <CardHeader className="border-border border-b pb-3">
        <CardTitle id="workload-history-title">History</CardTitle>
        <span className="text-fg-subtle text-xs">State changes and events, newest first</span>
      </CardHeader>
      {history.isError ? (
        <p role="alert" className="px-4 py-8 text-center text-danger text-sm">
          Could not load the history: {errorMessage(history.error)}
        </p>
      ) : !items ? (
        <CardContent className="space-y-2 pt-3" aria-busy="true">
          <Skeleton className="h-5" />
          <Skeleton className="h-5" />
        </CardContent>
      ) : (
        <>
          <ol
            aria-labelledby="workload-history-title"
            data-testid="workload-history"
            className="divide-y divide-border/70"
          >
            {items.map((item) => (
              <HistoryRow key={item.id} item={item} />
            ))}
          </ol>
          {items.length === 0 ? (
            <p className="px-4 py-8 text-center text-fg-subtle text-sm">Nothing recorded yet.</p>
          ) : null}
          {items.length >= HISTORY_LIMIT ? (
            <p className="border-border border-t px-4 py-2 text-fg-subtle text-xs">
              Showing the latest {HISTORY_LIMIT} entries.
            </p>
          ) : null}
        </>
      )}
    </Card>
  );
}
