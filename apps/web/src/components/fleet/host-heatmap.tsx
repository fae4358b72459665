"use client";

/**
 * One square per host, coloured by its CPU (or memory) load now, grouped by team. Plain
 * links in a CSS grid with a single shared tooltip, so 1,000 hosts cost 1,000 small DOM
 * nodes and re-render only the cells whose host changed.
 */
import Link from "next/link";
import { memo, useEffect, useMemo, useRef, useState } from "react";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Segmented } from "@/components/ui/segmented";
import { Skeleton } from "@/components/ui/skeleton";
import type { HostRow } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { formatCount, formatPercent } from "@/lib/format";
import { HEAT_STOPS, heatColor } from "@/lib/heat";
import { HostStatusBadge, hostStatusLabel } from "./host-status-badge";

export type HeatMetric = "cpu" | "memory";

const NO_TEAM = "No team";
const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

function loadOf(row: HostRow, metric: HeatMetric): number | null {
  if (row.status === "offline" || !row.now) return null;
  return metric === "cpu" ? row.now.cpuRatio : row.now.memRatio;
}

function cellSize(count: number): number {
  if (count <= 40) return 34;
  if (count <= 150) return 26;
  if (count <= 400) return 20;
  return 15;
}

interface CellProps {
  row: HostRow;
  metric: HeatMetric;
  size: number;
}

const HeatCell = memo(function HeatCell({ row, metric, size }: CellProps) {
  const load = loadOf(row, metric);
  const offline = row.status === "offline";
  const label = `${row.name}: ${hostStatusLabel(row.status)}, CPU ${formatPercent(row.now?.cpuRatio)}, memory ${formatPercent(row.now?.memRatio)}`;
  return (
    <Link
      href={`/hosts/${row.id}`}
      prefetch={false}
      aria-label={label}
      data-host-id={row.id}
      data-testid={`heatmap-cell-${row.id}`}
      className={cn(
        "block rounded-[3px] outline-offset-1 transition-transform duration-150 hover:z-10 hover:scale-125 focus-visible:z-10 focus-visible:scale-125",
        offline && "bg-[repeating-linear-gradient(135deg,var(--color-surface-3)_0_3px,var(--color-surface-2)_3px_6px)]",
        row.status === "maintenance" && "ring-2 ring-maint ring-inset",
      )}
      style={{ width: size, height: size, backgroundColor: offline ? undefined : heatColor(load) }}
    />
  );
});

function HeatTooltip({ row, x, y, flip }: { row: HostRow; x: number; y: number; flip: boolean }) {
  return (
    <div
      role="tooltip"
      className="pointer-events-none absolute z-20 w-56 rounded-lg border border-border-strong bg-surface-2/95 px-3 py-2.5 shadow-black/50 shadow-xl backdrop-blur"
      style={{ left: x, top: y, transform: flip ? "translate(-100%, -100%)" : "translate(0, -100%)" }}
    >
      <div className="flex items-center justify-between gap-2">
        <span className="truncate font-medium text-fg text-sm">{row.name}</span>
        <HostStatusBadge status={row.status} />
      </div>
      <p className="mt-0.5 text-fg-subtle text-xs">{row.teamName ?? NO_TEAM}</p>
      <dl className="mt-2 grid grid-cols-2 gap-x-3 gap-y-1 text-xs">
        <dt className="text-fg-subtle">CPU</dt>
        <dd className="text-right text-fg tabular-nums">
          {formatPercent(row.now?.cpuRatio)} <span className="text-fg-subtle">of {row.cpuCores}c</span>
        </dd>
        <dt className="text-fg-subtle">Memory</dt>
        <dd className="text-right text-fg tabular-nums">{formatPercent(row.now?.memRatio)}</dd>
        <dt className="text-fg-subtle">Workloads</dt>
        <dd className="text-right text-fg tabular-nums">
          {formatCount(row.vmCount)} VMs · {formatCount(row.containerCount)} ct
        </dd>
      </dl>
    </div>
  );
}

function Legend({ metric }: { metric: HeatMetric }) {
  return (
    <div className="flex items-center gap-3 text-[11px] text-fg-subtle">
      <span className="flex items-center gap-1.5">
        <span>{metric === "cpu" ? "CPU" : "Memory"} 0%</span>
        <span
          aria-hidden
          className="h-2 w-28 rounded-full"
          style={{ background: `linear-gradient(to right, ${HEAT_STOPS.join(", ")})` }}
        />
        <span>100%</span>
      </span>
      <span className="flex items-center gap-1.5">
        <span
          aria-hidden
          className="size-2.5 rounded-[2px] bg-[repeating-linear-gradient(135deg,var(--color-surface-3)_0_2px,var(--color-surface-2)_2px_4px)]"
        />
        Offline
      </span>
      <span className="flex items-center gap-1.5">
        <span aria-hidden className="size-2.5 rounded-[2px] ring-2 ring-maint ring-inset" />
        Maintenance
      </span>
    </div>
  );
}

interface Hover {
  id: string;
  x: number;
  y: number;
  flip: boolean;
}

export function HostHeatmap({ rows }: { rows: HostRow[] | undefined }) {
  const [metric, setMetric] = useState<HeatMetric>("cpu");
  const [hover, setHover] = useState<Hover | null>(null);
  const boxRef = useRef<HTMLDivElement>(null);

  const groups = useMemo(() => {
    const byTeam = new Map<string, HostRow[]>();
    for (const row of rows ?? []) {
      const team = row.teamName ?? NO_TEAM;
      const list = byTeam.get(team);
      if (list) list.push(row);
      else byTeam.set(team, [row]);
    }
    for (const list of byTeam.values()) list.sort((a, b) => byName.compare(a.name, b.name));
    return [...byTeam.entries()].sort(([a], [b]) => (a === NO_TEAM ? 1 : b === NO_TEAM ? -1 : byName.compare(a, b)));
  }, [rows]);

  const byId = useMemo(() => new Map((rows ?? []).map((r) => [r.id, r])), [rows]);
  const size = cellSize(rows?.length ?? 0);

  const showFor = (target: EventTarget) => {
    const cell = (target as HTMLElement).closest<HTMLElement>("[data-host-id]");
    const box = boxRef.current;
    if (!cell || !box) return;
    const id = cell.dataset.hostId;
    if (!id) return;
    const c = cell.getBoundingClientRect();
    const b = box.getBoundingClientRect();
    const x = c.left - b.left + c.width / 2;
    setHover({ id, x, y: c.top - b.top - 6, flip: x > b.width - 240 });
  };

  // One delegated listener set for all cells (pointer and keyboard focus alike).
  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const show = (e: Event) => {
      if (e.target) showFor(e.target);
    };
    const hide = () => setHover(null);
    box.addEventListener("pointerover", show);
    box.addEventListener("focusin", show);
    box.addEventListener("pointerleave", hide);
    box.addEventListener("focusout", hide);
    return () => {
      box.removeEventListener("pointerover", show);
      box.removeEventListener("focusin", show);
      box.removeEventListener("pointerleave", hide);
      box.removeEventListener("focusout", hide);
    };
  });

  const hovered = hover ? byId.get(hover.id) : undefined;

  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle>Host heatmap</CardTitle>
          <CardDescription>
            {rows ? `${formatCount(rows.length)} hosts` : "Loading…"} · colour = {metric === "cpu" ? "CPU" : "memory"}{" "}
            use now · click a host to open it
          </CardDescription>
        </div>
        <Segmented<HeatMetric>
          label="Colour heatmap by"
          value={metric}
          onChange={setMetric}
          options={[
            { value: "cpu", label: "CPU", ariaLabel: "Colour by CPU" },
            { value: "memory", label: "Memory", ariaLabel: "Colour by memory" },
          ]}
        />
      </CardHeader>
      <CardContent>
        {!rows ? (
          <Skeleton className="h-28" />
        ) : rows.length === 0 ? (
          <p className="py-6 text-center text-fg-subtle text-sm">No hosts yet. Enrol one from Settings.</p>
        ) : (
          <div ref={boxRef} className="relative">
            <nav aria-label="Host heatmap" className="space-y-3">
              {groups.map(([team, list]) => (
                <section key={team} aria-label={`Team ${team}`}>
                  {groups.length > 1 ? (
                    <h3 className="mb-1.5 font-medium text-[11px] text-fg-subtle">
                      {team} <span className="text-fg-subtle/70">· {list.length}</span>
                    </h3>
                  ) : null}
                  <div
                    className="grid gap-[3px]"
                    style={{ gridTemplateColumns: `repeat(auto-fill, ${size}px)`, gridAutoRows: size }}
                  >
                    {list.map((row) => (
                      <HeatCell key={row.id} row={row} metric={metric} size={size} />
                    ))}
                  </div>
                </section>
              ))}
            </nav>
            {hover && hovered ? <HeatTooltip row={hovered} x={hover.x} y={hover.y} flip={hover.flip} /> : null}
          </div>
        )}
        <div className="mt-3">
          <Legend metric={metric} />
        </div>
      </CardContent>
    </Card>
  );
}
