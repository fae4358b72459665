"use client";

/**
 * A host's events, newest first. The newest page is refetched by the live sync whenever the
 * host's inventory changes (agents report an event with each change) and every half minute
 * for events that come alone; older pages are fetched on request and kept below it.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useMemo, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { RelativeTime } from "@/components/ui/relative-time";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { WorkloadKindIcon } from "@/components/workload/workload-badges";
import type { HostEvent } from "@/lib/api-types";
import { errorMessage, useTRPC } from "@/lib/trpc";

const PAGE_SIZE = 50;
const REFRESH_MS = 30_000;

function WorkloadCell({ event }: { event: HostEvent }) {
  if (event.workload) {
    return (
      <Link
        href={`/workloads/${event.workload.id}`}
        className="inline-flex items-center gap-1.5 font-medium text-fg hover:text-accent hover:underline"
      >
        <WorkloadKindIcon kind={event.workload.kind} className="text-fg-subtle" />
        {event.workload.name}
      </Link>
    );
  }
  if (event.workloadExternalId) {
    return (
      <span className="font-mono text-fg-subtle text-xs" title="Not in this host's inventory">
        {event.workloadExternalId.slice(0, 12)}
      </span>
    );
  }
  return <span className="text-fg-subtle">—</span>;
}

export function HostEventsPanel({ hostId }: { hostId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const newest = useQuery({
    ...trpc.fleet.hostEvents.queryOptions({ hostId, limit: PAGE_SIZE }),
    refetchInterval: REFRESH_MS,
  });
  const [older, setOlder] = useState<{ events: HostEvent[]; nextBefore: string | null } | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<string | null>(null);

  const events = useMemo(() => {
    const first = newest.data?.events ?? [];
    const seen = new Set(first.map((e) => e.id));
    return [...first, ...(older?.events.filter((e) => !seen.has(e.id)) ?? [])];
  }, [newest.data, older]);
  const nextBefore = older ? older.nextBefore : (newest.data?.nextBefore ?? null);

  const loadOlder = async () => {
    if (!nextBefore) return;
    setLoadingOlder(true);
    setOlderError(null);
    try {
      const page = await queryClient.fetchQuery(
        trpc.fleet.hostEvents.queryOptions({ hostId, limit: PAGE_SIZE, before: nextBefore }),
      );
      setOlder((prev) => ({ events: [...(prev?.events ?? []), ...page.events], nextBefore: page.nextBefore }));
    } catch (error) {
      setOlderError(errorMessage(error));
    } finally {
      setLoadingOlder(false);
    }
  };

  if (newest.isError) {
    return (
      <p role="alert" className="py-8 text-center text-danger text-sm">
        Could not load events: {errorMessage(newest.error)}
      </p>
    );
  }

  return (
    <div className="space-y-3">
      <p className="text-fg-subtle text-xs">Newest first · updates live</p>
      <div className="overflow-hidden rounded-card border border-border">
        <Table aria-label="Host events" data-testid="host-events">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead className="w-28">Time</TableHead>
              <TableHead className="w-40">Kind</TableHead>
              <TableHead className="w-48">Workload</TableHead>
              <TableHead>Message</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {!newest.data ? (
              ["a", "b", "c"].map((k) => (
                <TableRow key={k}>
                  <TableCell colSpan={4}>
                    <Skeleton className="h-5" />
                  </TableCell>
                </TableRow>
              ))
            ) : events.length === 0 ? (
              <TableRow className="hover:bg-transparent">
                <TableCell colSpan={4} className="py-10 text-center text-fg-subtle">
                  No events from this host yet.
                </TableCell>
              </TableRow>
            ) : (
              events.map((e) => (
                <TableRow key={e.id} data-event-kind={e.kind}>
                  <TableCell className="text-fg-muted text-xs tabular-nums">
                    <RelativeTime value={e.at} />
                  </TableCell>
                  <TableCell>
                    <Badge className="font-mono font-normal">{e.kind}</Badge>
                  </TableCell>
                  <TableCell>
                    <WorkloadCell event={e} />
                  </TableCell>
                  <TableCell className="whitespace-normal text-fg">{e.message}</TableCell>
                </TableRow>
              ))
            )}
          </TableBody>
        </Table>
      </div>
      {olderError ? (
        <p role="alert" className="text-danger text-sm">
          Could not load older events: {olderError}
        </p>
      ) : null}
      {nextBefore ? (
        <Button variant="secondary" size="sm" onClick={loadOlder} disabled={loadingOlder}>
          {loadingOlder ? "Loading…" : "Show older events"}
        </Button>
      ) : null}
    </div>
  );
}
