"use client";

/**
 * Folds live Socket.IO events into the tRPC query cache for the whole app: host rows,
 * host details and metric histories change in place, nothing is refetched. An inventory
 * change refetches what it touches: the host, its workloads, events and workload pages. Events are
 * buffered and applied a few times a second, so a 1,000-host tick is one cache write,
 * not a thousand renders.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import type { MetricsRange, WorkloadDetail } from "@/lib/api-types";
import { appendHostSample, applyHostMetrics, applyHostStatus, applyMetricsToHost } from "@/lib/fleet-live";
import { useLiveEvent, useLiveSocket } from "@/lib/live-socket";
import { useTRPC } from "@/lib/trpc";
import { watchedHosts } from "@/lib/watched-hosts";
import type { HostMetricsEvent, HostStatusEvent } from "@/shared/live-events";

const FLUSH_MS = 400;
const RANGES: MetricsRange[] = ["1h", "24h", "7d", "30d"];

interface Pending {
  metrics: Map<string, HostMetricsEvent[]>;
  status: Map<string, HostStatusEvent>;
  inventory: Set<string>;
}

function emptyPending(): Pending {
  return { metrics: new Map(), status: new Map(), inventory: new Set() };
}

export function LiveCacheSync() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { status } = useLiveSocket();
  const pending = useRef<Pending>(emptyPending());
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const flush = () => {
    timer.current = null;
    const { metrics, status: statuses, inventory } = pending.current;
    pending.current = emptyPending();

    if (metrics.size > 0 || statuses.size > 0) {
      const latest = new Map<string, HostMetricsEvent>();
      for (const [hostId, events] of metrics) {
        const last = events[events.length - 1];
        if (last) latest.set(hostId, last);
      }
      let unknownHost = false;
      queryClient.setQueryData(trpc.fleet.hosts.queryKey(), (rows) => {
        if (!rows) return rows;
        const known = new Set(rows.map((r) => r.id));
        unknownHost = [...latest.keys(), ...statuses.keys()].some((id) => !known.has(id));
        return applyHostStatus(applyHostMetrics(rows, latest), statuses);
      });
      // A host we have never listed just enrolled: fetch the list again to show it.
      if (unknownHost) inventory.add("");
      // Detail and chart caches only for hosts on screen: a 1,000-host tick must not cost
      // 4,000 cache writes.
      for (const hostId of watchedHosts()) {
        const e = latest.get(hostId);
        const status = statuses.get(hostId);
        if (!e && !status) continue;
        queryClient.setQueryData(trpc.fleet.host.queryKey({ id: hostId }), (host) => {
          if (!host) return host;
          const withMetrics = e ? applyMetricsToHost(host, e) : host;
          return status
            ? { ...withMetrics, status: status.status, lastSeenAt: status.lastSeenAt ?? withMetrics.lastSeenAt }
            : withMetrics;
        });
        const events = metrics.get(hostId);
        if (!events) continue;
        for (const range of RANGES) {
          queryClient.setQueryData(trpc.fleet.hostMetrics.queryKey({ id: hostId, range }), (history) =>
            history ? events.reduce((h, e) => appendHostSample(h, e, range), history) : history,
          );
        }
      }
    }

    if (statuses.size > 0) void queryClient.invalidateQueries(trpc.fleet.summary.queryFilter());
    if (inventory.size > 0) {
      void queryClient.invalidateQueries(trpc.fleet.hosts.queryFilter());
      void queryClient.invalidateQueries(trpc.fleet.summary.queryFilter());
      for (const hostId of inventory) {
        if (!hostId) continue;
        void queryClient.invalidateQueries(trpc.fleet.host.queryFilter({ id: hostId }));
        void queryClient.invalidateQueries(trpc.fleet.workloads.queryFilter({ hostId }));
        void queryClient.invalidateQueries(trpc.fleet.hostEvents.queryFilter({ hostId }));
        invalidateWorkloadsOf(hostId);
      }
    }
  };

  /** Workload pages on that host: their state, removal and history come from its inventory. */
  const invalidateWorkloadsOf = (hostId: string) => {
    const onHost = queryClient
      .getQueriesData(trpc.fleet.workload.queryFilter())
      .flatMap(([, data]) =>
        data && (data as WorkloadDetail).host.id === hostId ? [(data as WorkloadDetail).id] : [],
      );
    for (const id of onHost) {
      void queryClient.invalidateQueries(trpc.fleet.workload.queryFilter({ id }));
      void queryClient.invalidateQueries(trpc.fleet.workloadHistory.queryFilter({ id }));
    }
  };

  const schedule = () => {
    if (timer.current === null) timer.current = setTimeout(flush, FLUSH_MS);
  };

  useLiveEvent("host:metrics", (e) => {
    const list = pending.current.metrics.get(e.hostId);
    if (list) list.push(e);
    else pending.current.metrics.set(e.hostId, [e]);
    schedule();
  });
  useLiveEvent("host:status", (e) => {
    pending.current.status.set(e.hostId, e);
    schedule();
  });
  useLiveEvent("host:inventory", (e) => {
    pending.current.inventory.add(e.hostId);
    schedule();
  });

  // After a reconnect the cache may have missed events: refresh fleet data once.
  const hasBeenLive = useRef(false);
  useEffect(() => {
    if (status !== "live") return;
    if (hasBeenLive.current) {
      void queryClient.invalidateQueries(trpc.fleet.pathFilter());
      void queryClient.invalidateQueries(trpc.alerts.pathFilter());
    }
    hasBeenLive.current = true;
  }, [status, queryClient, trpc]);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  return null;
}
