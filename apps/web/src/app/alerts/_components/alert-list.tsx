"use client";

/** The alerts of the organisation with their state, and the history of the one opened; pushed live. */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { RelativeTime } from "@/components/ui/relative-time";
import { Segmented } from "@/components/ui/segmented";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useLiveEvent } from "@/lib/live-socket";
import { errorMessage, useTRPC } from "@/lib/trpc";

type Filter = "open" | "firing" | "resolved" | "all";

export const STATE_TONE: Record<string, BadgeTone> = { pending: "warn", firing: "danger", resolved: "ok" };
export const SEVERITY_TONE: Record<string, BadgeTone> = { info: "info", warning: "warn", critical: "danger" };

export function AlertList() {
  const trpc = useTRPC();
  const [filter, setFilter] = useState<Filter>("open");
  const [openId, setOpenId] = useState<string | null>(null);
  const queryClient = useQueryClient();
  // State changes are pushed (below); an alert's value and its "silenced" mark change without
  // one, so a slow refresh keeps them current.
  const alerts = useQuery({ ...trpc.alerts.list.queryOptions({ state: filter, limit: 200 }), refetchInterval: 30_000 });
  // The evaluator says when alerts change state (one event per pass): refetch the list, the
  // rules' open counts and the history shown.
  useLiveEvent("alerts:changed", () => {
    void queryClient.invalidateQueries(trpc.alerts.list.queryFilter());
    void queryClient.invalidateQueries(trpc.alerts.rules.queryFilter());
    void queryClient.invalidateQueries(trpc.alerts.history.queryFilter());
  });

  return (
    <Card>
      <CardHeader className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <CardTitle>Alerts</CardTitle>
          <CardDescription>Open alerts first; updated as they change.</CardDescription>
        </div>
        <Segmented
          label="Show"
          value={filter}
          onChange={setFilter}
          options={[
            { value: "open", label: "Open" },
            { value: "firing", label: "Firing" },
            { value: "resolved", label: "Resolved" },
            { value: "all", label: "All" },
          ]}
        />
      </CardHeader>
      {alerts.isError ? (
        <p role="alert" className="px-4 pb-4 text-danger text-sm">
          {errorMessage(alerts.error)}
        </p>
      ) : alerts.data && alerts.data.length === 0 ? (
        <p className="px-4 pb-4 text-fg-subtle text-sm">Nothing here. Rules raise alerts when their condition holds.</p>
      ) : (
        <Table aria-label="Alerts">
          <TableHeader>
            <TableRow>
              <TableHead>State</TableHead>
              <TableHead>Severity</TableHead>
              <TableHead>Summary</TableHead>
              <TableHead>Rule</TableHead>
              <TableHead>Since</TableHead>
              <TableHead>
                <span className="sr-only">History</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {(alerts.data ?? []).map((a) => (
              <TableRow key={a.id} data-testid="alert-row">
                <TableCell>
                  <Badge tone={STATE_TONE[a.state] ?? "neutral"} dot>
                    {a.state}
                  </Badge>
                  {a.silencedBy ? (
                    <Badge tone="maint" className="ml-1" title={a.silencedBy}>
                      silenced
                    </Badge>
                  ) : null}
                </TableCell>
                <TableCell>
                  <Badge tone={SEVERITY_TONE[a.severity] ?? "neutral"}>{a.severity}</Badge>
                </TableCell>
                <TableCell className="max-w-md truncate" title={a.summary}>
                  {a.summary}
                </TableCell>
                <TableCell>{a.rule.name}</TableCell>
                <TableCell>
                  <RelativeTime value={String(a.startedAt)} />
                </TableCell>
                <TableCell>
                  <Button size="sm" variant="ghost" onClick={() => setOpenId(openId === a.id ? null : a.id)}>
                    {openId === a.id ? "Hide history" : "History"}
                  </Button>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {openId ? <AlertHistory id={openId} /> : null}
    </Card>
  );
}

function AlertHistory({ id }: { id: string }) {
  const trpc = useTRPC();
  const history = useQuery(trpc.alerts.history.queryOptions({ id }));
  if (!history.data) return null;
  return (
    <section aria-label="Alert history" className="border-border border-t px-4 py-3">
      <h3 className="mb-2 font-medium text-fg text-sm">History of “{history.data.summary}”</h3>
      <ol className="space-y-1 text-sm">
        {history.data.events.map((e) => (
          <li key={e.id} className="flex gap-3">
            <span className="w-40 shrink-0 text-fg-subtle">{new Date(e.at).toLocaleString()}</span>
            <Badge tone={STATE_TONE[e.kind] ?? "neutral"}>{e.kind}</Badge>
            <span className="text-fg-muted">{e.note}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
