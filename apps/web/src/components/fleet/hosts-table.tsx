"use client";

/**
 * The fleet's hosts: sortable, searchable (`/` jumps to the search box), filterable by
 * status. Rows are memoised on their data object, so a live tick re-renders only the
 * hosts that reported.
 */
import { type ColumnFiltersState, FlexRender, type Row, type SortingState, useTable } from "@tanstack/react-table";
import { ArrowDown, ArrowUp, ArrowUpDown, Search, X } from "lucide-react";
import { memo, useEffect, useMemo, useRef } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Segmented } from "@/components/ui/segmented";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { HostRow, HostStatus } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { formatCount } from "@/lib/format";
import { hostColumns, hostTableFeatures, SEARCHABLE_COLUMNS } from "./host-columns";

export type StatusFilter = "all" | HostStatus;

export interface HostsTableState {
  search: string;
  status: StatusFilter;
  sorting: SortingState;
}

export interface HostsTableProps {
  rows: HostRow[] | undefined;
  state: HostsTableState;
  onStateChange: (next: HostsTableState) => void;
}

const EMPTY_ROWS: HostRow[] = [];

type HostTableRow = Row<typeof hostTableFeatures, HostRow>;

const HostRowView = memo(
  function HostRowView({ row }: { row: HostTableRow; original: HostRow }) {
    return (
      <TableRow data-host-id={row.original.id}>
        {row.getAllCells().map((cell) => {
          const meta = cell.column.columnDef.meta;
          return (
            <TableCell key={cell.id} className={cn(meta?.className, meta?.align === "right" && "text-right")}>
              <FlexRender cell={cell} />
            </TableCell>
          );
        })}
      </TableRow>
    );
  },
  (prev, next) => prev.original === next.original,
);

function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

export function HostsTable({ rows, state, onStateChange }: HostsTableProps) {
  const searchRef = useRef<HTMLInputElement>(null);

  // `/` focuses the search box from anywhere on the page, as in GitHub or Grafana.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "/" || e.metaKey || e.ctrlKey || e.altKey || isTypingTarget(e.target)) return;
      e.preventDefault();
      searchRef.current?.focus();
      searchRef.current?.select();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  const columnFilters = useMemo<ColumnFiltersState>(
    () => (state.status === "all" ? [] : [{ id: "status", value: state.status }]),
    [state.status],
  );

  const table = useTable({
    features: hostTableFeatures,
    columns: hostColumns,
    data: rows ?? EMPTY_ROWS,
    getRowId: (row) => row.id,
    state: { sorting: state.sorting, globalFilter: state.search, columnFilters },
    onSortingChange: (updater) =>
      onStateChange({ ...state, sorting: typeof updater === "function" ? updater(state.sorting) : updater }),
    onGlobalFilterChange: (updater) => {
      const search = typeof updater === "function" ? updater(state.search) : updater;
      onStateChange({ ...state, search: typeof search === "string" ? search : "" });
    },
    globalFilterFn: "includesString",
    getColumnCanGlobalFilter: (column) => SEARCHABLE_COLUMNS.has(column.id),
    enableSortingRemoval: true,
  });

  const counts = useMemo(() => {
    const c = { all: 0, online: 0, offline: 0, maintenance: 0 };
    for (const r of rows ?? []) {
      c.all += 1;
      c[r.status] += 1;
    }
    return c;
  }, [rows]);

  const visible = table.getRowModel().rows;
  const filtered = state.search !== "" || state.status !== "all";

  return (
    <Card>
      <div className="flex flex-wrap items-center gap-3 border-border border-b px-4 py-3">
        <h2 className="mr-auto font-medium text-fg text-sm">
          Hosts{" "}
          <span className="font-normal text-fg-subtle" data-testid="hosts-count">
            {rows
              ? filtered
                ? `${formatCount(visible.length)} of ${formatCount(rows.length)}`
                : formatCount(rows.length)
              : ""}
          </span>
        </h2>
        <Segmented<StatusFilter>
          label="Filter by status"
          value={state.status}
          onChange={(status) => onStateChange({ ...state, status })}
          options={(["all", "online", "offline", "maintenance"] as const).map((s) => ({
            value: s,
            ariaLabel: s === "all" ? "All" : s[0]?.toUpperCase() + s.slice(1),
            label: (
              <>
                <span className="capitalize">{s}</span>
                <span className="text-fg-subtle tabular-nums">{formatCount(counts[s])}</span>
              </>
            ),
          }))}
        />
        <div className="relative w-64">
          <Search
            aria-hidden
            className="-translate-y-1/2 pointer-events-none absolute top-1/2 left-2.5 size-3.5 text-fg-subtle"
          />
          <Input
            ref={searchRef}
            type="search"
            aria-label="Search hosts"
            placeholder="Search name, team, agent…"
            value={state.search}
            onChange={(e) => table.setGlobalFilter(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") table.setGlobalFilter("");
            }}
            className="h-8 pr-8 pl-8 text-xs [&::-webkit-search-cancel-button]:hidden"
          />
          <kbd
            aria-hidden
            className="-translate-y-1/2 pointer-events-none absolute top-1/2 right-2 rounded border border-border px-1.5 font-mono text-[10px] text-fg-subtle"
          >
            /
          </kbd>
        </div>
      </div>

      <Table aria-label="Hosts" className="min-w-[1000px] table-fixed max-xl:min-w-[820px]">
        <TableHeader>
          {table.getHeaderGroups().map((group) => (
            <TableRow key={group.id} className="hover:bg-transparent">
              {group.headers.map((header) => {
                const meta = header.column.columnDef.meta;
                const sorted = header.column.getIsSorted();
                const SortIcon = sorted === "asc" ? ArrowUp : sorted === "desc" ? ArrowDown : ArrowUpDown;
                return (
                  <TableHead
                    key={header.id}
                    aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : "none"}
                    className={cn(meta?.className, meta?.align === "right" && "text-right")}
                  >
                    {header.column.getCanSort() ? (
                      <button
                        type="button"
                        onClick={header.column.getToggleSortingHandler()}
                        className={cn(
                          "group inline-flex items-center gap-1 uppercase tracking-wider hover:text-fg",
                          sorted && "text-fg",
                          meta?.align === "right" && "flex-row-reverse",
                        )}
                      >
                        <FlexRender header={header} />
                        <SortIcon
                          aria-hidden
                          className={cn("size-3", sorted ? "opacity-100" : "opacity-0 group-hover:opacity-60")}
                        />
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
          {!rows ? (
            ["a", "b", "c", "d", "e"].map((k) => (
              <TableRow key={k}>
                <TableCell colSpan={hostColumns.length}>
                  <Skeleton className="h-5" />
                </TableCell>
              </TableRow>
            ))
          ) : visible.length === 0 ? (
            <TableRow className="hover:bg-transparent">
              <TableCell colSpan={hostColumns.length} className="py-10 text-center text-fg-subtle">
                {rows.length === 0 ? (
                  "No hosts yet. Enrol one from Settings → Agent enrolment."
                ) : (
                  <span className="inline-flex items-center gap-3">
                    No hosts match these filters.
                    <Button
                      size="sm"
                      onClick={() => onStateChange({ ...state, search: "", status: "all" })}
                      aria-label="Clear filters"
                    >
                      <X aria-hidden className="size-3" />
                      Clear filters
                    </Button>
                  </span>
                )}
              </TableCell>
            </TableRow>
          ) : (
            visible.map((row) => <HostRowView key={row.id} row={row} original={row.original} />)
          )}
        </TableBody>
      </Table>
    </Card>
  );
}
