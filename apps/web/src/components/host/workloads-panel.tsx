"use client";

/**
 * A host's VMs and containers with their state and live usage. Joining the host's live room
 * brings `workload:metrics` for it; those figures replace the ones the list was loaded with,
 * and each tick adds a point to the row's CPU sparkline. Names link to the workload pages.
 */
import { useQuery } from "@tanstack/react-query";
import {
  createColumnHelper,
  createSortedRowModel,
  FlexRender,
  rowSortingFeature,
  type SortingState,
  sortFn_alphanumeric,
  sortFn_basic,
  tableFeatures,
  useTable,
} from "@tanstack/react-table";
import { ArrowDown, ArrowUp } from "lucide-react";
import Link from "next/link";
import { useMemo, useState } from "react";
import { Sparkline } from "@/components/fleet/sparkline";
import { useCan } from "@/components/shell/use-can";
import { Meter } from "@/components/ui/meter";
import { Segmented } from "@/components/ui/segmented";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { WorkloadActions } from "@/components/workload/workload-actions";
import { kindLabel, WorkloadKindIcon, WorkloadStateBadge } from "@/components/workload/workload-badges";
import type { Workload } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { appendWorkloadSparks, WORKLOAD_SPARK_POINTS, workloadKey } from "@/lib/fleet-live";
import { formatBytes, formatCores, formatCount } from "@/lib/format";
import { useHostSubscription, useLiveEvent } from "@/lib/live-socket";
import { errorMessage, useTRPC } from "@/lib/trpc";
import type { WorkloadMetricsEvent } from "@/shared/live-events";

type LiveItem = WorkloadMetricsEvent["items"][number];
type KindFilter = "all" | "vm" | "container";

/** A workload row with its freshest usage (live when available). */
interface WorkloadView extends Workload {
  hostId: string;
  usage: { cpuCores: number; memUsedBytes: number } | null;
  hostCores: number;
  /** CPU use as a share of its vCPUs (or the host's cores), one point per live tick. */
  spark: readonly number[];
}

const features = tableFeatures({
  rowSortingFeature,
  sortedRowModel: createSortedRowModel(),
  sortFns: { alphanumeric: sortFn_alphanumeric, basic: sortFn_basic },
});
const helper = createColumnHelper<typeof features, WorkloadView>();

const columns = helper.columns([
  helper.accessor("name", {
    header: "Name",
    sortFn: "alphanumeric",
    cell: ({ row }) => (
      <span className="inline-flex items-center gap-1.5">
        {/* The Kind column is hidden on narrow screens; the icon keeps the kind in view. */}
        <WorkloadKindIcon kind={row.original.kind} className="text-fg-subtle 2xl:hidden" />
        <Link
          href={`/workloads/${row.original.id}`}
          className="font-medium text-fg hover:text-accent hover:underline"
          data-testid={`workload-name-${row.original.externalId}`}
        >
          {row.original.name}
        </Link>
      </span>
    ),
  }),
  helper.accessor("kind", {
    header: "Kind",
    sortFn: "alphanumeric",
    cell: ({ getValue }) => (
      <span className="inline-flex items-center gap-1.5 text-fg-muted">
        <WorkloadKindIcon kind={getValue()} /> {kindLabel(getValue())}
      </span>
    ),
  }),
  helper.accessor("state", {
    header: "State",
    sortFn: "alphanumeric",
    cell: ({ getValue }) => <WorkloadStateBadge state={getValue()} />,
  }),
  helper.accessor((w) => w.image ?? "", {
    id: "image",
    header: "Image",
    sortFn: "alphanumeric",
    cell: ({ getValue }) => (
      <span className="block max-w-44 truncate font-mono text-fg-muted text-xs" title={getValue()}>
        {getValue() || "—"}
      </span>
    ),
  }),
  helper.accessor((w) => w.vcpus ?? undefined, {
    id: "vcpus",
    header: "vCPUs",
    sortFn: "basic",
    sortUndefined: "last",
    cell: ({ getValue }) => <span className="tabular-nums">{formatCount(getValue())}</span>,
  }),
  helper.accessor((w) => w.memoryBytes ?? undefined, {
    id: "memory",
    header: "Memory",
    sortFn: "basic",
    sortUndefined: "last",
    cell: ({ getValue }) => <span className="tabular-nums">{getValue() ? formatBytes(getValue()) : "no limit"}</span>,
  }),
  helper.accessor((w) => w.usage?.cpuCores, {
    id: "cpuNow",
    header: "CPU now",
    sortFn: "basic",
    sortUndefined: "last",
    sortDescFirst: true,
    cell: ({ row, getValue }) => {
      const cores = getValue();
      const limit = row.original.vcpus ?? row.original.hostCores;
      return (
        <div className="flex items-center gap-3">
          <div className="w-24">
            <span className="block text-xs tabular-nums" data-testid={`workload-cpu-${row.original.externalId}`}>
              {cores === undefined ? "—" : `${formatCores(cores)} cores`}
            </span>
            <Meter ratio={cores === undefined || !limit ? null : cores / limit} className="mt-1 h-1" />
          </div>
          <Sparkline
            values={row.original.usage ? row.original.spark : []}
            slots={WORKLOAD_SPARK_POINTS}
            width={56}
            height={18}
            className="shrink-0"
          />
        </div>
      );
    },
  }),
  helper.accessor((w) => w.usage?.memUsedBytes, {
    id: "memNow",
    header: "Memory now",
    sortFn: "basic",
    sortUndefined: "last",
    sortDescFirst: true,
    cell: ({ row, getValue }) => {
      const used = getValue();
      const limit = row.original.memoryBytes;
      return (
        <div className="w-28">
          <span className="block text-xs tabular-nums" data-testid={`workload-mem-${row.original.externalId}`}>
            {formatBytes(used)}
          </span>
          {limit ? <Meter ratio={used === undefined ? null : used / limit} className="mt-1 h-1" /> : null}
        </div>
      );
    },
  }),
]);

/** Start, stop, restart, remove: only for roles that may operate workloads. */
const actionsColumn = helper.display({
  id: "actions",
  header: "Actions",
  enableSorting: false,
  cell: ({ row }) => (
    <WorkloadActions compact workload={{ ...row.original, hostId: row.original.hostId, removedAt: null }} />
  ),
});

/** Columns left out on narrower screens, so that the live usage and actions stay in view. */
const NARROW_HIDDEN: Record<string, string> = { kind: "max-2xl:hidden", image: "max-xl:hidden" };

const plural = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? "" : "s"}`;

export function WorkloadsPanel({ hostId, hostCores }: { hostId: string; hostCores: number }) {
  const trpc = useTRPC();
  const workloads = useQuery(trpc.fleet.workloads.queryOptions({ hostId }));
  const [live, setLive] = useState<ReadonlyMap<string, LiveItem>>(new Map());
  const [sparks, setSparks] = useState<ReadonlyMap<string, readonly number[]>>(new Map());
  const [kind, setKind] = useState<KindFilter>("all");
  const [sorting, setSorting] = useState<SortingState>([]);
  const canOperate = useCan("workloads.operate");
  const shownColumns = useMemo(() => (canOperate ? [...columns, actionsColumn] : columns), [canOperate]);

  useHostSubscription(hostId);
  useLiveEvent("workload:metrics", (e) => {
    if (e.hostId !== hostId) return;
    setLive(new Map(e.items.map((item) => [workloadKey(item.kind, item.externalId), item])));
    const capacity = new Map(
      (workloads.data ?? []).map((w) => [workloadKey(w.kind, w.externalId), w.vcpus || hostCores || null]),
    );
    setSparks((prev) => appendWorkloadSparks(prev, e.items, (key) => capacity.get(key) ?? null));
  });

  const rows = useMemo<WorkloadView[]>(
    () =>
      (workloads.data ?? [])
        .filter((w) => kind === "all" || w.kind === kind)
        .map((w) => {
          const key = workloadKey(w.kind, w.externalId);
          const item = live.get(key);
          const running = w.state === "running";
          return {
            ...w,
            hostId,
            hostCores,
            spark: sparks.get(key) ?? [],
            usage:
              item && running ? { cpuCores: item.cpuCores, memUsedBytes: item.memUsedBytes } : running ? w.now : null,
          };
        }),
    [workloads.data, live, sparks, kind, hostCores, hostId],
  );

  const table = useTable({
    features,
    columns: shownColumns,
    data: rows,
    getRowId: (w) => w.id,
    state: { sorting },
    onSortingChange: (u) => setSorting(typeof u === "function" ? u(sorting) : u),
  });

  const counts = useMemo(() => {
    const list = workloads.data ?? [];
    return {
      all: list.length,
      vm: list.filter((w) => w.kind === "vm").length,
      container: list.filter((w) => w.kind === "container").length,
    };
  }, [workloads.data]);

  if (workloads.isError) {
    return (
      <p role="alert" className="py-8 text-center text-danger text-sm">
        Could not load workloads: {errorMessage(workloads.error)}
      </p>
    );
  }

  return (
    <div className="space-y-3">
      <div className="flex items-center justify-between gap-3">
        <p className="text-fg-subtle text-xs">
          {workloads.data
            ? `${plural(counts.vm, "VM")} and ${plural(counts.container, "container")} · usage updates live`
            : "Loading workloads…"}
        </p>
        <Segmented<KindFilter>
          label="Filter workloads by kind"
          value={kind}
          onChange={setKind}
          options={[
            { value: "all", label: `All ${counts.all}`, ariaLabel: "All" },
            { value: "vm", label: `VMs ${counts.vm}`, ariaLabel: "VMs" },
            { value: "container", label: `Containers ${counts.container}`, ariaLabel: "Containers" },
          ]}
        />
      </div>
      <div className="overflow-hidden rounded-card border border-border">
        <Table aria-label="Workloads">
          <TableHeader>
            {table.getHeaderGroups().map((group) => (
              <TableRow key={group.id} className="hover:bg-transparent">
                {group.headers.map((header) => {
                  const sorted = header.column.getIsSorted();
                  return (
                    <TableHead
                      key={header.id}
                      className={NARROW_HIDDEN[header.column.id]}
                      aria-sort={
                        !header.column.getCanSort()
                          ? undefined
                          : sorted === "asc"
                            ? "ascending"
                            : sorted === "desc"
                              ? "descending"
                              : "none"
                      }
                    >
                      {header.column.getCanSort() ? (
                        <button
                          type="button"
                          onClick={header.column.getToggleSortingHandler()}
                          className={cn(
                            "inline-flex items-center gap-1 uppercase tracking-wider hover:text-fg",
                            sorted && "text-fg",
                          )}
                        >
                          <FlexRender header={header} />
                          {sorted === "asc" ? <ArrowUp aria-hidden className="size-3" /> : null}
                          {sorted === "desc" ? <ArrowDown aria-hidden className="size-3" /> : null}
                        </button>
                      ) : (
                        <FlexRender header={header} />
                      )}
                    </TableHead>
                  );
                })}
              </TableRow>
            ))}
          </TableHeader>
          <TableBody>
            {!workloads.data ? (
              ["a", "b", "c"].map((k) => (
                <TableRow key={k}>
                  <TableCell colSpan={shownColumns.length}>
                    <Skeleton className="h-5" />
                  </TableCell>
                </TableRow>
              ))
            ) : rows.length === 0 ? (
              <TableRow className="hover:bg-transparent">
                <TableCell colSpan={shownColumns.length} className="py-10 text-center text-fg-subtle">
                  {counts.all === 0 ? "No VMs or containers on this host." : "No workloads of this kind."}
                </TableCell>
              </TableRow>
            ) : (
              table.getRowModel().rows.map((row) => (
                <TableRow key={row.id} data-workload-id={row.original.externalId}>
                  {row.getAllCells().map((cell) => (
                    <TableCell key={cell.id} className={NARROW_HIDDEN[cell.column.id]}>
                      <FlexRender cell={cell} />
                    </TableCell>
                  ))}
                </TableRow>
              ))
            )}
          </TableBody>
        </Table>
      </div>
    </div>
  );
}
