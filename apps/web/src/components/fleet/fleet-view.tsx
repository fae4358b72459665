"use client";

/**
 * The Fleet page: tiles, heatmap and hosts table over one live `fleet.hosts` query. Table
 * search, status filter and sort live in the URL so a view can be shared.
 */
import { useQuery } from "@tanstack/react-query";
import type { SortingState } from "@tanstack/react-table";
import { useSearchParams } from "next/navigation";
import { useCallback, useState } from "react";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { FleetTiles } from "./fleet-tiles";
import { HostHeatmap } from "./host-heatmap";
import { HostsTable, type HostsTableState, type StatusFilter } from "./hosts-table";

const STATUSES: StatusFilter[] = ["all", "online", "offline", "maintenance"];
const DEFAULT_SORT: SortingState = [{ id: "name", desc: false }];

function readState(params: URLSearchParams): HostsTableState {
  const status = params.get("status") as StatusFilter | null;
  const sort = params.get("sort");
  const [id, dir] = sort ? sort.split(":") : [];
  return {
    search: params.get("q") ?? "",
    status: status && STATUSES.includes(status) ? status : "all",
    sorting: id ? [{ id, desc: dir === "desc" }] : DEFAULT_SORT,
  };
}

function writeState(state: HostsTableState) {
  const params = new URLSearchParams(window.location.search);
  const set = (key: string, value: string | null) => (value ? params.set(key, value) : params.delete(key));
  // A one-time note (a host just removed) is not part of the view to share.
  params.delete("removed");
  set("q", state.search || null);
  set("status", state.status === "all" ? null : state.status);
  const first = state.sorting[0];
  const isDefault = first?.id === "name" && !first.desc && state.sorting.length === 1;
  set("sort", first && !isDefault ? `${first.id}:${first.desc ? "desc" : "asc"}` : null);
  const query = params.toString();
  // Next.js keeps useSearchParams in step with history.replaceState; no navigation happens.
  window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
}

export function FleetView() {
  const trpc = useTRPC();
  const params = useSearchParams();
  const [tableState, setTableState] = useState(() => readState(new URLSearchParams(params.toString())));
  const removed = params.get("removed");

  const hosts = useQuery(trpc.fleet.hosts.queryOptions(undefined, { staleTime: Number.POSITIVE_INFINITY }));
  const summary = useQuery(trpc.fleet.summary.queryOptions(undefined, { refetchInterval: 15_000 }));

  const onStateChange = useCallback((next: HostsTableState) => {
    setTableState(next);
    writeState(next);
  }, []);

  return (
    <div className="space-y-5">
      <title>Fleet · Flotilla</title>
      <div className="flex items-end justify-between gap-4">
        <div>
          <h1 className="font-semibold text-fg text-xl tracking-tight">Fleet</h1>
          <p className="text-fg-subtle text-sm">Every host, its load and its workloads, live.</p>
        </div>
      </div>

      {removed ? (
        <p role="status" className="rounded-md border border-border bg-surface-2 px-4 py-2 text-fg-muted text-sm">
          {removed} was removed from the fleet; its agent can no longer connect.
        </p>
      ) : null}

      {hosts.isError ? (
        <div role="alert" className="rounded-md border border-danger/40 bg-danger/10 px-4 py-3 text-danger text-sm">
          Could not load hosts: {errorMessage(hosts.error)}{" "}
          <button type="button" className="underline" onClick={() => hosts.refetch()}>
            Retry
          </button>
        </div>
      ) : null}

      <FleetTiles summary={summary.data} rows={hosts.data} />
      <HostHeatmap rows={hosts.data} />
      <HostsTable rows={hosts.data} state={tableState} onStateChange={onStateChange} />
    </div>
  );
}
