"use client";

/** The organisation's alert rules, and the editor for a new or a changed one (offered to alerts.manage only). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useCan } from "@/components/shell/use-can";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { SEVERITY_TONE } from "./alert-list";
import { type EditableRule, RuleEditor } from "./rule-editor";

const KIND_LABELS: Record<string, string> = {
  metric_threshold: "Metric threshold",
  metric_missing: "Metric missing",
  host_offline: "Host offline",
  command_failed: "Command failed",
  migration_failed: "Migration failed",
  container_exited: "Container exited",
  container_restart_loop: "Container restart loop",
};

export function RulesPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canManage = useCan("alerts.manage");
  const rules = useQuery(trpc.alerts.rules.queryOptions());
  const [confirming, setConfirming] = useState<string | null>(null);
  const [editing, setEditing] = useState<EditableRule | null>(null);
  const update = useMutation(
    trpc.alerts.updateRule.mutationOptions({
      onSuccess: () => void queryClient.invalidateQueries(trpc.alerts.rules.queryFilter()),
    }),
  );
  const remove = useMutation(
    trpc.alerts.removeRule.mutationOptions({
      onSuccess: () => void queryClient.invalidateQueries(trpc.alerts.rules.queryFilter()),
    }),
  );

  return (
    <div className="space-y-5">
      {canManage ? (
        editing ? (
          <RuleEditor key={editing.id} editing={editing} onDone={() => setEditing(null)} />
        ) : (
          <RuleEditor key="new" />
        )
      ) : null}
      <Card>
        <CardHeader>
          <div>
            <CardTitle>Rules</CardTitle>
            <CardDescription>Every rule of this organisation, with how many alerts each holds open.</CardDescription>
          </div>
        </CardHeader>
        {update.isError || remove.isError ? (
          <p role="alert" className="px-4 pb-2 text-danger text-sm">
            {errorMessage(update.error ?? remove.error)}
          </p>
        ) : null}
        {rules.isError ? (
          <p role="alert" className="px-4 pb-4 text-danger text-sm">
            {errorMessage(rules.error)}
          </p>
        ) : rules.data && rules.data.length === 0 ? (
          <p className="px-4 pb-4 text-fg-subtle text-sm">No rule yet.</p>
        ) : (
          <Table aria-label="Alert rules">
            <TableHeader>
              <TableRow>
                <TableHead>Name</TableHead>
                <TableHead>Kind</TableHead>
                <TableHead>Condition</TableHead>
                <TableHead>Severity</TableHead>
                <TableHead>Open</TableHead>
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {(rules.data ?? []).map((r) => (
                <TableRow key={r.id} data-testid="rule-row">
                  <TableCell className="font-medium">
                    {r.name}
                    {r.enabled ? null : (
                      <Badge tone="neutral" className="ml-2">
                        paused
                      </Badge>
                    )}
                  </TableCell>
                  <TableCell>{KIND_LABELS[r.kind] ?? r.kind}</TableCell>
                  <TableCell className="text-fg-muted">
                    {r.kind === "metric_threshold"
                      ? `${r.target} ${r.metric} ${r.comparator} ${r.threshold}${r.holdSeconds ? ` for ${r.holdSeconds} s` : ""}`
                      : r.holdSeconds
                        ? `for ${r.holdSeconds} s`
                        : "—"}
                  </TableCell>
                  <TableCell>
                    <Badge tone={SEVERITY_TONE[r.severity] ?? "neutral"}>{r.severity}</Badge>
                  </TableCell>
                  <TableCell>
                    {r.firing} firing · {r.pending} pending
                  </TableCell>
                  <TableCell className="whitespace-nowrap">
                    {canManage ? (
                      <Button
                        size="sm"
                        variant="ghost"
                        onClick={() => {
                          setEditing(r);
                          window.scrollTo({ top: 0, behavior: "smooth" });
                        }}
                      >
                        Edit {r.name}
                      </Button>
                    ) : null}
                    {canManage ? (
                      <Button
                        size="sm"
                        variant="ghost"
                        onClick={() =>
                          update.mutate({
                            id: r.id,
                            rule: {
                              name: r.name,
                              teamId: r.teamId,
                              kind: r.kind as "metric_threshold",
                              enabled: !r.enabled,
                              scope: r.scope as { hostIds?: string[]; labels?: Record<string, string> },
                              target: r.target as "host",
                              metric: r.metric as "cpu" | null,
                              comparator: r.comparator as "above" | null,
                              threshold: r.threshold,
                              holdSeconds: r.holdSeconds,
                              severity: r.severity as "warning",
                              description: r.description,
                              repeatIntervalSeconds: r.repeatIntervalSeconds,
                            },
                          })
                        }
                      >
                        {r.enabled ? `Pause ${r.name}` : `Resume ${r.name}`}
                      </Button>
                    ) : null}
                    {canManage ? (
                      confirming === r.id ? (
                        <span className="flex gap-1">
                          <Button size="sm" variant="danger" onClick={() => remove.mutate({ id: r.id })}>
                            Delete rule {r.name}
                          </Button>
                          <Button size="sm" variant="ghost" onClick={() => setConfirming(null)}>
                            Keep
                          </Button>
                        </span>
                      ) : (
                        <Button size="sm" variant="ghost" onClick={() => setConfirming(r.id)}>
                          Delete
                        </Button>
                      )
                    ) : null}
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
