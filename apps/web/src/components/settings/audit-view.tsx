"use client";

/**
 * /settings/audit: every change, command, approval, sign-in and refusal of the organisation,
 * newest first, filtered, a page at a time (the server's cursor), exportable as CSV with the
 * same filters.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Download } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { AuditFilters } from "./audit-filters";
import { type AuditFilter, auditCsvHref } from "./audit-query";
import { AuditTable } from "./audit-table";
import { ErrorLine, SettingsHeader } from "./settings-header";

const PAGE_SIZE = 50;

export function AuditView() {
  const trpc = useTRPC();
  const [filter, setFilter] = useState<AuditFilter>({});
  // The cursors of the pages seen so far: the last is the page shown, earlier ones are "Newer".
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const page = useQuery(
    trpc.audit.list.queryOptions(
      { ...filter, ...(cursor ? { cursor } : {}), limit: PAGE_SIZE },
      { placeholderData: keepPreviousData },
    ),
  );
  const apply = (next: AuditFilter) => {
    setFilter(next);
    setCursors([undefined]);
  };
  const nextCursor = page.data?.nextCursor ?? null;

  return (
    <>
      <SettingsHeader
        title="Audit log"
        description="Who did what, to what, when and from where — including refused requests."
        action={
          <a
            href={auditCsvHref(filter)}
            download
            className="inline-flex h-9 items-center gap-2 rounded-md border border-border bg-surface-2 px-3.5 font-medium text-fg text-sm hover:border-border-strong hover:bg-surface-3"
          >
            <Download aria-hidden className="size-4" />
            Export CSV
          </a>
        }
      />
      <AuditFilters onApply={apply} />
      <ErrorLine>{page.isError ? errorMessage(page.error) : null}</ErrorLine>
      <Card>
        <AuditTable items={page.data?.items ?? []} loading={page.isPending || page.isFetching} />
        <div className="flex items-center justify-between gap-3 border-border border-t px-4 py-2.5">
          <p className="text-fg-subtle text-xs">
            Page {cursors.length} · {PAGE_SIZE} per page, newest first
          </p>
          <div className="flex gap-2">
            <Button size="sm" disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
              Newer
            </Button>
            <Button
              size="sm"
              disabled={!nextCursor || page.isFetching}
              onClick={() => nextCursor && setCursors((c) => [...c, nextCursor])}
            >
              Older
            </Button>
          </div>
        </div>
      </Card>
    </>
  );
}
