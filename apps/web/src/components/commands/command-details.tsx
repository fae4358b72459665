"use client";

/**
 * One command in full, under its row in the Commands tab: its times, the error with what to
 * do, the result, and its event log (state changes, progress, output lines). Refetched while
 * it runs, since output does not announce itself in the org room.
 */
import { useQuery } from "@tanstack/react-query";
import { RelativeTime } from "@/components/ui/relative-time";
import { Skeleton } from "@/components/ui/skeleton";
import type { CommandEventItem } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { describeOutcome, isActiveCommandState } from "@/lib/command-state";
import { formatDateTime } from "@/lib/format";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { CommandStateBadge } from "./command-state-badge";

const REFRESH_WHILE_ACTIVE_MS = 2_000;

function outputOf(e: CommandEventItem): { stream: string; lines: string[]; truncated: number } | null {
  if (e.kind !== "output" || typeof e.data !== "object" || e.data === null) return null;
  const d = e.data as { stream?: unknown; lines?: unknown; truncated?: unknown };
  if (!Array.isArray(d.lines)) return null;
  return {
    stream: d.stream === "stderr" ? "stderr" : "stdout",
    lines: d.lines.filter((l): l is string => typeof l === "string"),
    truncated: typeof d.truncated === "number" ? d.truncated : 0,
  };
}

function EventRow({ event }: { event: CommandEventItem }) {
  const output = outputOf(event);
  return (
    <li className="grid grid-cols-[9.5rem_1fr] gap-3 px-3 py-1.5 text-xs" data-event-kind={event.kind}>
      <time dateTime={event.at} className="text-fg-subtle tabular-nums">
        {formatDateTime(event.at)}
      </time>
      <div className="min-w-0 space-y-1">
        <div className="flex flex-wrap items-center gap-2">
          {event.state ? (
            <CommandStateBadge state={event.state} />
          ) : (
            <span className="font-mono text-fg-subtle">{event.kind}</span>
          )}
          {event.progress !== null ? (
            <span className="text-fg-muted tabular-nums">{Math.round(event.progress * 100)}%</span>
          ) : null}
          {event.message ? <span className="break-words text-fg">{event.message}</span> : null}
        </div>
        {output ? (
          <pre
            className={cn(
              "max-h-48 overflow-auto whitespace-pre-wrap break-all rounded bg-canvas px-2 py-1 font-mono text-[11px] leading-4",
              output.stream === "stderr" ? "text-warn" : "text-fg-muted",
            )}
          >
            {output.lines.join("\n")}
            {output.truncated > 0 ? `\n… ${output.truncated} more lines (shown live only)` : ""}
          </pre>
        ) : null}
      </div>
    </li>
  );
}

export function CommandDetails({ id }: { id: string }) {
  const trpc = useTRPC();
  const detail = useQuery({
    ...trpc.commands.get.queryOptions({ id }),
    refetchInterval: (q) =>
      q.state.data && isActiveCommandState(q.state.data.state) ? REFRESH_WHILE_ACTIVE_MS : false,
  });

  if (detail.isError) {
    return (
      <p role="alert" className="px-3 py-3 text-danger text-sm">
        Could not load this command: {errorMessage(detail.error)}
      </p>
    );
  }
  const c = detail.data;
  if (!c) {
    return (
      <div className="space-y-2 p-3" aria-busy="true">
        <Skeleton className="h-4 w-1/2" />
        <Skeleton className="h-4" />
      </div>
    );
  }
  const outcome = describeOutcome(c);
  return (
    <div className="space-y-3 p-3" data-testid={`command-details-${c.id}`}>
      <dl className="grid grid-cols-2 gap-x-6 gap-y-2 text-xs md:grid-cols-4">
        {(
          [
            ["Requested", c.createdAt],
            ["Sent", c.sentAt],
            ["Started", c.startedAt],
            ["Finished", c.finishedAt],
          ] as const
        ).map(([label, at]) => (
          <div key={label}>
            <dt className="text-fg-subtle uppercase tracking-wider">{label}</dt>
            <dd className="text-fg" title={at ? formatDateTime(at) : undefined}>
              {at ? <RelativeTime value={at} /> : "—"}
            </dd>
          </div>
        ))}
        <div>
          <dt className="text-fg-subtle uppercase tracking-wider">Deadline</dt>
          <dd className="text-fg">{formatDateTime(c.deadline)}</dd>
        </div>
        <div>
          <dt className="text-fg-subtle uppercase tracking-wider">Attempts</dt>
          <dd className="text-fg tabular-nums">{c.attempts}</dd>
        </div>
        <div className="col-span-2">
          <dt className="text-fg-subtle uppercase tracking-wider">Command ID</dt>
          <dd className="truncate font-mono text-fg">{c.id}</dd>
        </div>
      </dl>

      {outcome && c.state !== "succeeded" ? (
        <div
          className={cn(
            "rounded-md border px-3 py-2 text-sm",
            c.state === "failed" ? "border-danger/40 bg-danger/10" : "border-warn/40 bg-warn/10",
          )}
        >
          <p className="font-medium text-fg">
            {outcome.title}
            {c.error?.code ? (
              <span className="ml-2 font-mono font-normal text-fg-subtle text-xs">{c.error.code}</span>
            ) : null}
          </p>
          {outcome.detail ? <p className="break-words text-fg-muted">{outcome.detail}</p> : null}
          {outcome.hint ? <p className="text-fg-subtle">{outcome.hint}</p> : null}
        </div>
      ) : null}

      <details className="text-xs">
        <summary className="cursor-pointer text-fg-muted hover:text-fg">
          Payload{c.result !== null ? " and result" : ""}
        </summary>
        <pre className="mt-1 max-h-60 overflow-auto rounded bg-canvas p-2 font-mono text-[11px] text-fg-muted">
          {JSON.stringify({ payload: c.payload, ...(c.result !== null ? { result: c.result } : {}) }, null, 2)}
        </pre>
      </details>

      <div>
        <h3 className="mb-1 font-medium text-fg-subtle text-xs uppercase tracking-wider">Event log</h3>
        <ol aria-label="Event log" className="divide-y divide-border/60 rounded-md border border-border bg-surface">
          {c.events.map((e) => (
            <EventRow key={e.id} event={e} />
          ))}
        </ol>
      </div>
    </div>
  );
}
