"use client";

/**
 * The plan as a before/after picture: every host a pair of horizontal bars (CPU, memory)
 * packed with its workloads as segments; hosts left empty are greyed. Moving workloads are
 * highlighted, pinned ones hatched. The headroom the policy allows is a tick on each bar.
 */
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { cn } from "@/lib/cn";
import { formatBytes, formatCores } from "@/lib/format";
import type { HostBar, PlanPicture as Picture } from "./plan-layout";

const MIB = 1024 * 1024;

function Bar({ host, resource, headroom }: { host: HostBar; resource: "cpu" | "memory"; headroom: number }) {
  const capacity = resource === "cpu" ? host.cpu : host.memoryMb;
  const used = resource === "cpu" ? host.cpuUsed : host.memoryUsedMb;
  const fmt = (v: number) => (resource === "cpu" ? formatCores(v, { trim: true }) : formatBytes(v * MIB));
  const label = `${resource === "cpu" ? "CPU" : "Memory"} on ${host.name}: ${fmt(used)} of ${fmt(capacity)}, ${host.segments.length} workload${host.segments.length === 1 ? "" : "s"}`;
  return (
    <div className="flex items-center gap-2">
      <span aria-hidden className="w-8 shrink-0 text-[10px] text-fg-subtle uppercase">
        {resource === "cpu" ? "CPU" : "Mem"}
      </span>
      <div
        role="img"
        aria-label={label}
        title={label}
        className="relative flex h-3.5 min-w-0 flex-1 overflow-hidden rounded-sm bg-surface-3/70"
      >
        {host.segments.map((s) => {
          const share = capacity > 0 ? (resource === "cpu" ? s.cpu : s.memoryMb) / capacity : 0;
          if (share <= 0) return null;
          return (
            <span
              key={s.id}
              title={`${s.name} (${s.kind}${s.pinned ? ", pinned" : ""}${s.moving ? ", moves" : ""}): ${fmt(resource === "cpu" ? s.cpu : s.memoryMb)}`}
              className={cn(
                "h-full shrink-0 border-canvas/70 border-r",
                s.moving ? "bg-warn/80" : s.kind === "vm" ? "bg-maint/70" : "bg-info/70",
                s.pinned && "bg-[repeating-linear-gradient(135deg,transparent_0_3px,rgb(0_0_0/0.25)_3px_5px)]",
              )}
              style={{ width: `${Math.min(100, share * 100)}%` }}
            />
          );
        })}
        <span
          aria-hidden
          className="absolute inset-y-0 w-px bg-fg/50"
          style={{ left: `${Math.min(100, headroom * 100)}%` }}
        />
      </div>
      <span className="w-24 shrink-0 text-right text-[11px] text-fg-muted tabular-nums">
        {capacity > 0 ? `${Math.round((used / capacity) * 100)}%` : "—"}
        <span className="text-fg-subtle"> of {fmt(capacity)}</span>
      </span>
    </div>
  );
}

function Side({
  title,
  hosts,
  policy,
  testId,
}: {
  title: string;
  hosts: HostBar[];
  policy: { cpuHeadroom: number; memoryHeadroom: number };
  testId: string;
}) {
  const used = hosts.filter((h) => !h.empty).length;
  return (
    <section aria-label={title} data-testid={testId} className="min-w-0 space-y-2">
      <h3 className="flex items-baseline gap-2 font-medium text-fg text-sm">
        {title}
        <span className="text-fg-subtle text-xs">
          {used} of {hosts.length} hosts in use
        </span>
      </h3>
      <ul className="space-y-2.5">
        {hosts.map((h) => (
          <li
            key={h.id}
            data-testid="plan-host"
            data-empty={h.empty}
            className={cn(
              "space-y-1 rounded-md px-2 py-1.5",
              h.empty ? "bg-surface-2/30 opacity-45 grayscale" : "bg-surface-2/60",
            )}
          >
            <div className="flex items-center gap-2 text-xs">
              <span className="truncate font-medium text-fg">{h.name}</span>
              {h.empty ? <Badge>empty</Badge> : null}
              {h.maintenance ? <Badge tone="maint">maintenance / standby</Badge> : null}
              <span className="ml-auto text-fg-subtle">{h.segments.length} workloads</span>
            </div>
            <Bar host={h} resource="cpu" headroom={policy.cpuHeadroom} />
            <Bar host={h} resource="memory" headroom={policy.memoryHeadroom} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function Legend() {
  const item = (cls: string, text: string) => (
    <span className="inline-flex items-center gap-1.5">
      <span aria-hidden className={cn("inline-block h-2.5 w-4 rounded-sm", cls)} />
      {text}
    </span>
  );
  return (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-1 text-[11px] text-fg-subtle">
      {item("bg-maint/70", "VM")}
      {item("bg-info/70", "Container")}
      {item("bg-warn/80", "Moves in this plan")}
      {item("bg-info/70 bg-[repeating-linear-gradient(135deg,transparent_0_3px,rgb(0_0_0/0.25)_3px_5px)]", "Pinned")}
      <span className="inline-flex items-center gap-1.5">
        <span aria-hidden className="inline-block h-2.5 w-px bg-fg/50" />
        Headroom limit
      </span>
    </div>
  );
}

export function PlanPicture({
  picture,
  policy,
}: {
  picture: Picture;
  policy: { cpuHeadroom: number; memoryHeadroom: number };
}) {
  return (
    <Card data-testid="plan-picture">
      <CardHeader className="flex-wrap">
        <div>
          <CardTitle>Before and after</CardTitle>
          <CardDescription>
            Each host's CPU and memory, packed with its workloads; emptied hosts are greyed.
          </CardDescription>
        </div>
        <Legend />
      </CardHeader>
      <CardContent className="grid gap-6 lg:grid-cols-2">
        <Side title="Before" hosts={picture.before} policy={policy} testId="plan-before" />
        <Side title="After" hosts={picture.after} policy={policy} testId="plan-after" />
      </CardContent>
    </Card>
  );
}
