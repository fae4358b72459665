"use client";

/**
 * One host: identity and capacity, live figures, usage charts over a chosen range, and tabs
 * for its workloads, images, events and commands (range and tab kept in the URL).
 */
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { RANGE_VALUES } from "@/components/charts/usage-card";
import { CommandsPanel } from "@/components/commands/commands-panel";
import { Card } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import type { HostMetrics, MetricsRange } from "@/lib/api-types";
import { useLiveEvent } from "@/lib/live-socket";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { useSearchParam } from "@/lib/use-search-param";
import { useWatchHost } from "@/lib/watched-hosts";
import { HostCharts } from "./host-charts";
import { HostEventsPanel } from "./host-events-panel";
import { HostHeader } from "./host-header";
import { figuresFromEvent, HostLiveStats, type HostNowFigures } from "./host-live-stats";
import { ImagesPanel } from "./images-panel";
import { WorkloadsPanel } from "./workloads-panel";

function lastValue(column: ReadonlyArray<number | null> | undefined): number | null {
  if (!column) return null;
  for (let i = column.length - 1; i >= 0; i--) {
    const v = column[i];
    if (v !== null && v !== undefined) return v;
  }
  return null;
}

function figuresFromHistory(m: HostMetrics | undefined): HostNowFigures | null {
  if (!m || m.ts.length === 0) return null;
  return {
    cpuRatio: lastValue(m.cpuRatio),
    memUsedBytes: lastValue(m.memUsedBytes),
    memTotalBytes: lastValue(m.memTotalBytes),
    netRxBps: lastValue(m.netRxBps),
    netTxBps: lastValue(m.netTxBps),
    diskReadBps: lastValue(m.diskReadBps),
    diskWriteBps: lastValue(m.diskWriteBps),
    load1: lastValue(m.load1),
  };
}

type HostTab = "workloads" | "images" | "events" | "commands";
const TABS: readonly HostTab[] = ["workloads", "images", "events", "commands"];

export function HostView({ hostId }: { hostId: string }) {
  const trpc = useTRPC();
  const [range, setRange] = useSearchParam<MetricsRange>("range", RANGE_VALUES, "1h");
  const [tab, setTab] = useSearchParam<HostTab>("tab", TABS, "workloads");
  const [liveFigures, setLiveFigures] = useState<HostNowFigures | null>(null);

  useWatchHost(hostId);
  // Kept current by the live sync while on screen; refetched when shown again later.
  const host = useQuery(trpc.fleet.host.queryOptions({ id: hostId }, { staleTime: 10_000 }));
  const metrics = useQuery(trpc.fleet.hostMetrics.queryOptions({ id: hostId, range }, { staleTime: 10_000 }));

  useLiveEvent("host:metrics", (e) => {
    if (e.hostId === hostId) setLiveFigures(figuresFromEvent(e));
  });

  if (host.isError) {
    const notFound = host.error.data?.code === "NOT_FOUND";
    return (
      <Card className="mx-auto mt-10 max-w-md px-6 py-8 text-center">
        <title>Host not found · Flotilla</title>
        <h1 className="font-semibold text-fg text-lg">{notFound ? "Host not found" : "Could not load this host"}</h1>
        <p className="mt-2 text-fg-subtle text-sm">
          {notFound ? "It may have been removed, or it belongs to another organisation." : errorMessage(host.error)}
        </p>
        <Link href="/" className="mt-4 inline-block text-accent text-sm hover:underline">
          Back to the fleet
        </Link>
      </Card>
    );
  }

  if (!host.data) {
    return (
      <div className="space-y-4" aria-busy="true">
        <Skeleton className="h-6 w-48" />
        <Skeleton className="h-24" />
        <Skeleton className="h-20" />
        <Skeleton className="h-80" />
      </div>
    );
  }

  const h = host.data;
  return (
    <div className="space-y-5">
      <title>{`${h.name} · Flotilla`}</title>
      <HostHeader host={h} />
      <HostLiveStats host={h} figures={liveFigures ?? figuresFromHistory(metrics.data)} />
      <HostCharts hostId={hostId} intervalMs={h.intervalMs} range={range} onRangeChange={setRange} />

      <Tabs value={tab} onValueChange={(v) => setTab(v as HostTab)}>
        <TabsList aria-label="Host sections">
          <TabsTrigger value="workloads">
            Workloads
            <span className="rounded bg-surface-2 px-1.5 text-[11px] text-fg-subtle tabular-nums">
              {h.vmCount + h.containerCount}
            </span>
          </TabsTrigger>
          <TabsTrigger value="images">Images</TabsTrigger>
          <TabsTrigger value="events">Events</TabsTrigger>
          <TabsTrigger value="commands">Commands</TabsTrigger>
        </TabsList>
        <TabsContent value="workloads">
          <WorkloadsPanel hostId={hostId} hostCores={h.cpuCores} />
        </TabsContent>
        <TabsContent value="images">
          <ImagesPanel hostId={hostId} />
        </TabsContent>
        <TabsContent value="events">
          <HostEventsPanel hostId={hostId} />
        </TabsContent>
        <TabsContent value="commands">
          <CommandsPanel hostId={hostId} />
        </TabsContent>
      </Tabs>
    </div>
  );
}
