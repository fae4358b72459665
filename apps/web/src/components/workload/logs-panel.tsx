"use client";

/**
 * A container's logs, followed live by default: the newest lines at the bottom (kept to the
 * last 5,000), a filter, stdout and stderr told apart, Pause and Resume, and a download of
 * what is loaded.
 */
import { Download, Pause, Play, RotateCw, Search } from "lucide-react";
import { useDeferredValue, useMemo, useState } from "react";
import { CommandStateBadge } from "@/components/commands/command-state-badge";
import { LogView } from "@/components/commands/log-view";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader, CardTitle } from "@/components/ui/card";
import { Checkbox, Input, Select } from "@/components/ui/input";
import type { WorkloadDetail } from "@/lib/api-types";
import { describeOutcome } from "@/lib/command-state";
import { formatCount } from "@/lib/format";
import { filterLog, logFileName, logFileText, MAX_LOG_LINES } from "@/lib/log-lines";
import { errorMessage } from "@/lib/trpc";
import { type FollowLogs, useFollowLogs } from "./use-follow-logs";

const TAIL_OPTIONS = [
  { value: "100", label: "Last 100" },
  { value: "200", label: "Last 200" },
  { value: "1000", label: "Last 1,000" },
  { value: "5000", label: "Last 5,000" },
  { value: "all", label: "All" },
] as const;

function FollowState({ follow, running }: { follow: FollowLogs; running: boolean }) {
  const { command, paused, requesting, requestError } = follow;
  if (paused) return <Badge>Paused</Badge>;
  if (requestError) {
    return (
      <span role="alert" className="text-danger text-xs">
        Could not ask for the logs: {errorMessage(requestError)}
      </span>
    );
  }
  if (requesting || !command) return <CommandStateBadge state="pending" />;
  if (command.state === "running") {
    return (
      <Badge tone="ok" dot className="[&>span:first-child]:animate-pulse-dot">
        Following live
      </Badge>
    );
  }
  if (command.state === "pending" || command.state === "sent") return <CommandStateBadge state={command.state} />;
  if (command.state === "succeeded") {
    return (
      <span className="flex items-center gap-2 text-fg-muted text-xs">
        <Badge>Stream ended</Badge>
        {running ? "The engine closed the stream." : "Not running: following resumes when it starts."}
      </span>
    );
  }
  const outcome = describeOutcome(command);
  return (
    <span className="flex min-w-0 items-center gap-2 text-xs">
      <CommandStateBadge state={command.state} />
      <span className="min-w-0 text-fg-muted" title={outcome?.hint ?? undefined}>
        {outcome?.detail}
        {outcome?.hint ? <span className="text-fg-subtle"> {outcome.hint}</span> : null}
      </span>
    </span>
  );
}

export function LogsPanel({ workload }: { workload: WorkloadDetail }) {
  const [tail, setTail] = useState<string>("200");
  const [query, setQuery] = useState("");
  const [timestamps, setTimestamps] = useState(true);
  const running = workload.state === "running";
  const follow = useFollowLogs(
    { hostId: workload.host.id, externalId: workload.externalId, running },
    tail === "all" ? null : Number(tail),
  );
  const deferredQuery = useDeferredValue(query);
  const shown = useMemo(() => filterLog(follow.log.lines, deferredQuery), [follow.log.lines, deferredQuery]);
  const total = follow.log.lines.length;
  const live = !follow.paused && (follow.requesting || (follow.command?.state ?? "pending") !== "succeeded");
  const ended = !follow.paused && !follow.requesting && follow.command !== null && !live;
  const failed = !follow.paused && (follow.requestError !== null || (ended && follow.command?.state !== "succeeded"));

  const download = () => {
    const blob = new Blob([logFileText(follow.log.lines, timestamps)], { type: "text/plain" });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = logFileName(workload.name);
    a.click();
    URL.revokeObjectURL(url);
  };

  return (
    <Card aria-labelledby="logs-title" role="region">
      <CardHeader className="flex-wrap border-border border-b pb-3">
        <div className="flex min-w-0 flex-1 items-center gap-3">
          <CardTitle id="logs-title">Logs</CardTitle>
          <div className="min-w-0" data-testid="logs-state">
            <FollowState follow={follow} running={running} />
          </div>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <div className="relative">
            <Search aria-hidden className="-translate-y-1/2 absolute top-1/2 left-2.5 size-3.5 text-fg-subtle" />
            <Input
              type="search"
              aria-label="Filter log lines"
              placeholder="Filter lines"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              className="h-7 w-48 pl-8 text-xs"
            />
          </div>
          <Select
            aria-label="Lines of history"
            value={tail}
            onChange={(e) => setTail(e.target.value)}
            className="h-7 w-32 text-xs"
          >
            {TAIL_OPTIONS.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </Select>
          <span className="inline-flex items-center gap-1.5">
            <Checkbox id="logs-timestamps" checked={timestamps} onChange={(e) => setTimestamps(e.target.checked)} />
            <label htmlFor="logs-timestamps" className="text-fg-muted text-xs">
              Timestamps
            </label>
          </span>
          {follow.paused || ended || failed ? (
            <Button size="sm" variant="secondary" onClick={follow.resume}>
              {follow.paused ? (
                <Play aria-hidden className="size-3.5" />
              ) : (
                <RotateCw aria-hidden className="size-3.5" />
              )}
              {follow.paused ? "Resume" : "Follow again"}
            </Button>
          ) : (
            <Button size="sm" variant="secondary" onClick={follow.pause} disabled={follow.requesting}>
              <Pause aria-hidden className="size-3.5" />
              Pause
            </Button>
          )}
          <Button size="sm" variant="ghost" onClick={download} disabled={total === 0} aria-label="Download logs">
            <Download aria-hidden className="size-3.5" />
            Download
          </Button>
        </div>
      </CardHeader>
      <div className="p-3">
        <LogView
          lines={shown}
          label={`Logs of ${workload.name}`}
          query={deferredQuery}
          showTimestamps={timestamps}
          className="h-[28rem]"
          testId="container-logs"
          empty={
            query && total > 0
              ? `No line matches "${query}".`
              : follow.paused
                ? "Paused. Resume to follow the logs."
                : "Waiting for lines from the container…"
          }
        />
        <p className="mt-2 flex justify-between text-fg-subtle text-xs tabular-nums">
          <span>
            {query ? `${formatCount(shown.length)} of ${formatCount(total)} lines` : `${formatCount(total)} lines`}
            {follow.log.dropped > 0 ? ` · older lines dropped (the last ${formatCount(MAX_LOG_LINES)} are kept)` : ""}
          </span>
          <span>
            stdout · <span className="text-danger">stderr</span>
          </span>
        </p>
      </div>
    </Card>
  );
}
