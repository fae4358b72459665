/**
 * Column definitions of the fleet's hosts table (TanStack Table v9): what each column
 * shows, how it sorts, and which columns the search box looks at.
 */
import {
  columnFilteringFeature,
  createColumnHelper,
  createFilteredRowModel,
  createSortedRowModel,
  filterFn_equalsString,
  filterFn_includesString,
  globalFilteringFeature,
  metaHelper,
  rowSortingFeature,
  sortFn_alphanumeric,
  sortFn_basic,
  sortFn_text,
  tableFeatures,
} from "@tanstack/react-table";
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Meter } from "@/components/ui/meter";
import { RelativeTime } from "@/components/ui/relative-time";
import type { HostRow, HostStatus } from "@/lib/api-types";
import { formatBytes, formatCount, formatPercent } from "@/lib/format";
import { HostStatusBadge } from "./host-status-badge";
import { Sparkline } from "./sparkline";

export interface HostColumnMeta {
  /** Classes for both the header and the cells of the column. */
  className?: string;
  align?: "right";
}

export const hostTableFeatures = tableFeatures({
  rowSortingFeature,
  columnFilteringFeature,
  globalFilteringFeature,
  filteredRowModel: createFilteredRowModel(),
  sortedRowModel: createSortedRowModel(),
  sortFns: { alphanumeric: sortFn_alphanumeric, text: sortFn_text, basic: sortFn_basic },
  filterFns: { includesString: filterFn_includesString, equalsString: filterFn_equalsString },
  columnMeta: metaHelper<HostColumnMeta>(),
});

/** Columns the search box matches against. */
export const SEARCHABLE_COLUMNS = new Set(["name", "team", "agent"]);

const STATUS_ORDER: Record<HostStatus, number> = { online: 0, maintenance: 1, offline: 2 };

function liveRatio(row: HostRow, pick: "cpuRatio" | "memRatio"): number | undefined {
  if (row.status === "offline" || !row.now) return undefined;
  return row.now[pick] ?? undefined;
}

const helper = createColumnHelper<typeof hostTableFeatures, HostRow>();

export const hostColumns = helper.columns([
  helper.accessor("name", {
    header: "Name",
    sortFn: "alphanumeric",
    cell: ({ row }) => (
      <span className="flex min-w-0 items-center gap-2">
        <Link
          href={`/hosts/${row.original.id}`}
          prefetch={false}
          title={row.original.name}
          className="truncate font-medium text-fg hover:text-accent hover:underline hover:underline-offset-2"
        >
          {row.original.name}
        </Link>
        {row.original.simulated ? (
          <Badge tone="neutral" title="Simulated host">
            sim
          </Badge>
        ) : null}
      </span>
    ),
  }),
  helper.accessor((row) => row.teamName ?? "", {
    id: "team",
    header: "Team",
    meta: { className: "w-[100px] max-xl:hidden" },
    sortFn: "text",
    cell: ({ getValue }) => <span className="block truncate text-fg-muted">{getValue() || "—"}</span>,
  }),
  helper.accessor("status", {
    header: "Status",
    meta: { className: "w-[112px]" },
    filterFn: "equalsString",
    enableGlobalFilter: false,
    sortFn: (a, b) => STATUS_ORDER[a.original.status] - STATUS_ORDER[b.original.status],
    cell: ({ row }) => <HostStatusBadge status={row.original.status} />,
  }),
  helper.accessor((row) => liveRatio(row, "cpuRatio"), {
    id: "cpu",
    header: "CPU",
    sortFn: "basic",
    sortUndefined: "last",
    sortDescFirst: true,
    meta: { className: "w-[176px]" },
    cell: ({ row, getValue }) => {
      const ratio = getValue();
      return (
        <div className="flex items-center gap-2.5">
          <div className="w-14 shrink-0">
            <span data-testid={`host-cpu-${row.original.id}`} className="block text-fg text-xs tabular-nums">
              {formatPercent(ratio)}
            </span>
            <Meter ratio={ratio} className="mt-1 h-1" />
          </div>
          {ratio === undefined ? null : <Sparkline values={row.original.spark} width={80} />}
        </div>
      );
    },
  }),
  helper.accessor((row) => liveRatio(row, "memRatio"), {
    id: "memory",
    header: "Memory",
    sortFn: "basic",
    sortUndefined: "last",
    sortDescFirst: true,
    meta: { className: "w-[150px]" },
    cell: ({ row, getValue }) => {
      const ratio = getValue();
      return (
        <div className="w-28" title={`${formatBytes(row.original.memoryBytes)} installed`}>
          <span data-testid={`host-mem-${row.original.id}`} className="block text-fg text-xs tabular-nums">
            {formatPercent(ratio)} <span className="text-fg-subtle">of {formatBytes(row.original.memoryBytes)}</span>
          </span>
          <Meter ratio={ratio} className="mt-1 h-1" />
        </div>
      );
    },
  }),
  helper.accessor("vmCount", {
    header: "VMs",
    sortDescFirst: true,
    enableGlobalFilter: false,
    meta: { align: "right", className: "w-[56px]" },
    cell: ({ getValue }) => <span className="tabular-nums">{formatCount(getValue())}</span>,
  }),
  helper.accessor("containerCount", {
    header: "Containers",
    sortDescFirst: true,
    enableGlobalFilter: false,
    meta: { align: "right", className: "w-[100px]" },
    cell: ({ getValue }) => <span className="tabular-nums">{formatCount(getValue())}</span>,
  }),
  helper.accessor((row) => row.agentVersion ?? "", {
    id: "agent",
    header: "Agent",
    meta: { className: "w-[76px] max-xl:hidden" },
    sortFn: "alphanumeric",
    cell: ({ getValue }) => <span className="block truncate font-mono text-fg-muted text-xs">{getValue() || "—"}</span>,
  }),
  helper.accessor((row) => (row.lastSeenAt ? Date.parse(row.lastSeenAt) : undefined), {
    id: "lastSeen",
    header: "Last seen",
    meta: { className: "w-[92px]" },
    sortFn: "basic",
    sortUndefined: "last",
    sortDescFirst: true,
    enableGlobalFilter: false,
    cell: ({ row }) => <RelativeTime value={row.original.lastSeenAt} className="text-fg-muted text-xs" />,
  }),
]);
