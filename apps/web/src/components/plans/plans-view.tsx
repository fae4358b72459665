"use client";

/** /plans: the Consolidate form, the open plan (kept in ?plan=), and the history of plans. */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useState } from "react";
import { StateBadge } from "@/components/migrations/migration-state";
import { useCan } from "@/components/shell/use-can";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { RelativeTime } from "@/components/ui/relative-time";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { cn } from "@/lib/cn";
import { formatBytes } from "@/lib/format";
import { useLiveEvent } from "@/lib/live-socket";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { ConsolidateForm } from "./consolidate-form";
import { HostGroupsCard } from "./host-groups-card";
import { PlanDetail } from "./plan-detail";

export function PlansView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const params = useSearchParams();
  const [openId, setOpenId] = useState<string | null>(() => params.get("plan"));
  const canCreate = useCan("plans.create");
  const canManageHosts = useCan("hosts.manage");
  const plans = useQuery(trpc.plans.list.queryOptions({ limit: 50 }));
  const shown = openId ?? plans.data?.[0]?.id ?? null;

  useLiveEvent("plan:update", () => {
    void queryClient.invalidateQueries(trpc.plans.list.queryFilter());
  });

  const open = (id: string) => {
    setOpenId(id);
    const search = new URLSearchParams(window.location.search);
    search.set("plan", id);
    window.history.replaceState(null, "", `?${search.toString()}`);
  };

  return (
    <div className="space-y-5">
      <div>
        <h1 className="font-semibold text-fg text-xl tracking-tight">Plans</h1>
        <p className="text-fg-subtle text-sm">How many hosts the fleet could free, and the moves that would do it.</p>
      </div>

      {canCreate ? <ConsolidateForm onCreated={open} /> : null}
      {canManageHosts ? <HostGroupsCard /> : null}

      {shown ? <PlanDetail key={shown} id={shown} /> : null}

      <Card>
        <CardHeader>
          <div>
            <CardTitle>History</CardTitle>
            <CardDescription>Every plan of this organisation, newest first.</CardDescription>
          </div>
        </CardHeader>
        {plans.isError ? (
          <p role="alert" className="px-4 pb-4 text-danger text-sm">
            {errorMessage(plans.error)}
          </p>
        ) : plans.data && plans.data.length === 0 ? (
          <p className="px-4 pb-4 text-fg-subtle text-sm">No plan yet. Consolidate to make one.</p>
        ) : (
          <Table aria-label="Plan history">
            <TableHeader>
              <TableRow>
                <TableHead>Created</TableHead>
                <TableHead>State</TableHead>
                <TableHead>Hosts</TableHead>
                <TableHead>Moves</TableHead>
                <TableHead>Bytes</TableHead>
                <TableHead>
                  <span className="sr-only">Open</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {(plans.data ?? []).map((p) => (
                <TableRow key={p.id} data-testid="plan-history-row" className={cn(p.id === shown && "bg-surface-2/70")}>
                  <TableCell>
                    <RelativeTime value={p.createdAt} />
                  </TableCell>
                  <TableCell>
                    <StateBadge state={p.state} />
                  </TableCell>
                  <TableCell className="tabular-nums">
                    {p.output.figures.hostsBefore} → {p.output.figures.hostsAfter}
                  </TableCell>
                  <TableCell className="tabular-nums">
                    {p.movesSucceeded}/{p.moves}
                  </TableCell>
                  <TableCell className="tabular-nums">{formatBytes(p.output.figures.bytesToMove)}</TableCell>
                  <TableCell className="text-right">
                    {p.id === shown ? (
                      <span className="text-fg-subtle text-xs">Shown above</span>
                    ) : (
                      <button
                        type="button"
                        onClick={() => {
                          open(p.id);
                          window.scrollTo({ top: 0, behavior: "smooth" });
                        }}
                        className="text-accent text-xs hover:underline"
                        aria-label={`Open plan created ${new Date(p.createdAt).toLocaleString()}`}
                      >
                        Open
                      </button>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Card>
    </div>
  );
}
