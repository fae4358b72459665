"use client";

/**
 * One VM or container: what it is and where it runs, its lifecycle actions, a container's
 * logs, its usage now and over a chosen range (kept in the URL), and its history. A removed
 * workload keeps its page, marked Removed.
 */
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { RANGE_VALUES } from "@/components/charts/usage-card";
import { useCan } from "@/components/shell/use-can";
import { Card } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import type { MetricsRange } from "@/lib/api-types";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { useSearchParam } from "@/lib/use-search-param";
import { LogsPanel } from "./logs-panel";
import { useWorkloadLive } from "./use-workload-live";
import { VmHeaderControls, VmSnapshotsSection } from "./vm-controls";
import { WorkloadActions } from "./workload-actions";
import { WorkloadCharts } from "./workload-charts";
import { WorkloadHeader } from "./workload-header";
import { WorkloadHistory } from "./workload-history";
import { WorkloadLiveStats } from "./workload-live-stats";

export function WorkloadView({ workloadId }: { workloadId: string }) {
  const trpc = useTRPC();
  const [range, setRange] = useSearchParam<MetricsRange>("range", RANGE_VALUES, "1h");
  // Refetched by the live sync when its host's inventory changes (state, removal).
  const workload = useQuery(trpc.fleet.workload.queryOptions({ id: workloadId }, { staleTime: 10_000 }));
  const figures = useWorkloadLive(workload.data ?? null);
  const canOperate = useCan("workloads.operate");

  if (workload.isError) {
    const notFound = workload.error.data?.code === "NOT_FOUND";
    return (
      <Card className="mx-auto mt-10 max-w-md px-6 py-8 text-center">
        <title>Workload not found · Flotilla</title>
        <h1 className="font-semibold text-fg text-lg">
          {notFound ? "Workload not found" : "Could not load this workload"}
        </h1>
        <p className="mt-2 text-fg-subtle text-sm">
          {notFound ? "The address may be wrong, or it belongs to another organisation." : errorMessage(workload.error)}
        </p>
        <Link href="/" className="mt-4 inline-block text-accent text-sm hover:underline">
          Back to the fleet
        </Link>
      </Card>
    );
  }

  if (!workload.data) {
    return (
      <div className="space-y-4" aria-busy="true">
        <Skeleton className="h-6 w-48" />
        <Skeleton className="h-28" />
        <Skeleton className="h-20" />
        <Skeleton className="h-80" />
      </div>
    );
  }

  const w = workload.data;
  return (
    <div className="space-y-5">
      <title>{`${w.name} · ${w.host.name} · Flotilla`}</title>
      <WorkloadHeader
        workload={w}
        actions={
          <>
            <VmHeaderControls workload={w} />
            {/* A held workload refuses commands: its actions are disabled until the lease goes. */}
            {canOperate ? (
              <fieldset disabled={w.lease !== null} className="m-0 min-w-0 border-0 p-0">
                <WorkloadActions workload={{ ...w, hostId: w.host.id }} />
              </fieldset>
            ) : null}
          </>
        }
      />
      <VmSnapshotsSection workload={w} />
      <WorkloadLiveStats workload={w} figures={figures} />
      {w.kind === "container" && !w.removedAt && canOperate ? <LogsPanel key={w.externalId} workload={w} /> : null}
      <WorkloadCharts workload={w} range={range} onRangeChange={setRange} />
      <WorkloadHistory workloadId={w.id} />
    </div>
  );
}
