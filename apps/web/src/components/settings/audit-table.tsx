"use client";

/** One page of audit entries as a table (TanStack Table): when, who, what, on what, from where. */
import { createColumnHelper, FlexRender, tableFeatures, useTable } from "@tanstack/react-table";
import { Badge } from "@/components/ui/badge";
import { RelativeTime } from "@/components/ui/relative-time";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { RouterOutputs } from "@/lib/api-types";
import { iso } from "./iso";

export type AuditItem = RouterOutputs["audit"]["list"]["items"][number];

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, AuditItem>();

const columns = helper.columns([
  helper.accessor((e) => iso(e.at) ?? "", {
    id: "at",
    header: "Time",
    cell: ({ getValue }) => <RelativeTime value={getValue()} className="text-fg-muted" />,
  }),
  helper.accessor("actor", {
    header: "Actor",
    cell: ({ row }) => {
      const { actor, actorName, actorEmail: email } = row.original;
      return (
        <span title={actor} className="block max-w-64 truncate">
          <span className="text-fg">{actorName ?? email ?? actor}</span>
          {email && actorName && email !== actorName ? (
            <span className="block truncate text-fg-subtle text-xs">{email}</span>
          ) : null}
        </span>
      );
    },
  }),
  helper.accessor("action", {
    header: "Action",
    cell: ({ getValue }) => {
      const action = getValue();
      return (
        <Badge tone={action.startsWith("denied") ? "danger" : "neutral"} className="font-mono">
          {action}
        </Badge>
      );
    },
  }),
  helper.accessor((e) => e.target ?? "", {
    id: "target",
    header: "Target",
    cell: ({ row, getValue }) => {
      const label = row.original.targetLabel;
      return (
        <span className="block max-w-72 truncate" title={getValue()}>
          {label ? <span className="text-fg">{label}</span> : null}
          <span
            className={
              label ? "block truncate font-mono text-fg-subtle text-[11px]" : "font-mono text-fg-muted text-xs"
            }
          >
            {getValue() || "—"}
          </span>
        </span>
      );
    },
  }),
  helper.accessor((e) => e.ip ?? "", {
    id: "ip",
    header: "Address",
    cell: ({ getValue }) => <span className="font-mono text-fg-muted text-xs">{getValue() || "—"}</span>,
  }),
]);

export function AuditTable({ items, loading }: { items: AuditItem[]; loading: boolean }) {
  const table = useTable({ features, columns, data: items, getRowId: (e) => e.id });
  return (
    <Table aria-label="Audit log" aria-busy={loading || undefined}>
      <TableHeader>
        {table.getHeaderGroups().map((group) => (
          <TableRow key={group.id} className="hover:bg-transparent">
            {group.headers.map((header) => (
              <TableHead key={header.id}>
                <FlexRender header={header} />
              </TableHead>
            ))}
          </TableRow>
        ))}
      </TableHeader>
      <TableBody>
        {items.length === 0 ? (
          <TableRow className="hover:bg-transparent">
            <TableCell colSpan={columns.length} className="py-8 text-center text-fg-subtle">
              {loading ? "Loading…" : "No entries match these filters."}
            </TableCell>
          </TableRow>
        ) : (
          table.getRowModel().rows.map((row) => (
            <TableRow key={row.id} data-testid="audit-row" data-action={row.original.action}>
              {row.getAllCells().map((cell) => (
                <TableCell key={cell.id}>
                  <FlexRender cell={cell} />
                </TableCell>
              ))}
            </TableRow>
          ))
        )}
      </TableBody>
    </Table>
  );
}
