"use client";

/**
 * Live figures for one workload: joins its host's room, keeps the newest `workload:metrics`
 * entry for it and folds each one into its cached chart histories (every range), so the
 * charts move without refetching.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { RANGE_VALUES } from "@/components/charts/usage-card";
import type { WorkloadDetail } from "@/lib/api-types";
import { appendWorkloadSample } from "@/lib/fleet-live";
import { useHostSubscription, useLiveEvent } from "@/lib/live-socket";
import { useTRPC } from "@/lib/trpc";
import type { WorkloadFigures } from "./workload-live-stats";

interface Latest {
  ts: number;
  figures: WorkloadFigures;
}

/** The workload's newest figures while it runs: live when a tick arrived, else what it was loaded with. */
export function useWorkloadLive(w: WorkloadDetail | null): WorkloadFigures | null {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [latest, setLatest] = useState<Latest | null>(null);

  // A removed workload sends nothing more: no need to listen to its host.
  useHostSubscription(w && !w.removedAt ? w.host.id : null);
  useLiveEvent("workload:metrics", (e) => {
    if (!w || e.hostId !== w.host.id) return;
    const item = e.items.find((i) => i.externalId === w.externalId && i.kind === w.kind);
    if (!item) return;
    const { cpuCores, memUsedBytes, netRxBps, netTxBps, diskReadBps, diskWriteBps } = item;
    setLatest({ ts: e.ts, figures: { cpuCores, memUsedBytes, netRxBps, netTxBps, diskReadBps, diskWriteBps } });
    for (const range of RANGE_VALUES) {
      queryClient.setQueryData(trpc.fleet.workloadMetrics.queryKey({ id: w.id, range }), (history) =>
        history ? appendWorkloadSample(history, e.ts, item, range) : history,
      );
    }
  });

  if (!w || w.removedAt || w.state !== "running") return null;
  if (latest && (!w.now || latest.ts >= w.now.ts)) return latest.figures;
  return w.now;
}
