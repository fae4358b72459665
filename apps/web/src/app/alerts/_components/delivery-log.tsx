"use client";

/** An endpoint's latest deliveries, each attempt with its status and (truncated) response. */
import { useQuery } from "@tanstack/react-query";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { errorMessage, useTRPC } from "@/lib/trpc";

const STATE_TONE = { pending: "warn", delivered: "ok", failed: "danger", abandoned: "neutral" } as const;

export function DeliveryLog({ endpointId }: { endpointId: string }) {
  const trpc = useTRPC();
  const log = useQuery({ ...trpc.webhooks.deliveries.queryOptions({ endpointId, limit: 50 }), refetchInterval: 3000 });
  return (
    <section aria-label="Delivery log" className="border-border border-t">
      {log.isError ? (
        <p role="alert" className="p-4 text-danger text-sm">
          {errorMessage(log.error)}
        </p>
      ) : log.data && log.data.length === 0 ? (
        <p className="p-4 text-fg-subtle text-sm">No delivery yet. Send a test.</p>
      ) : (
        <Table aria-label="Deliveries">
          <TableHeader>
            <TableRow>
              <TableHead>Created</TableHead>
              <TableHead>Event</TableHead>
              <TableHead>State</TableHead>
              <TableHead>Attempts</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {(log.data ?? []).map((d) => (
              <TableRow key={d.id} data-testid="delivery-row">
                <TableCell className="whitespace-nowrap">{new Date(d.createdAt).toLocaleString()}</TableCell>
                <TableCell>{d.event}</TableCell>
                <TableCell>
                  <Badge tone={STATE_TONE[d.state as keyof typeof STATE_TONE] ?? "neutral"} dot>
                    {d.state}
                  </Badge>
                </TableCell>
                <TableCell>
                  <ol className="space-y-0.5 text-xs">
                    {d.attemptsLog.map((a) => (
                      <li key={a.number} className="flex gap-2">
                        <span className="text-fg-subtle">#{a.number}</span>
                        <span className="font-mono">{a.status ?? "—"}</span>
                        <span className="text-fg-subtle">{a.durationMs} ms</span>
                        <span className="max-w-md truncate text-fg-muted" title={a.error ?? a.response}>
                          {a.error ?? a.response}
                        </span>
                      </li>
                    ))}
                  </ol>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </section>
  );
}
