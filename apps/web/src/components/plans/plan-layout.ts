/**
 * The before/after picture of a plan, computed from what the plan stored: its input snapshot
 * (hosts, workloads with their demand and current host) and its placement (workload -> host).
 * Pure: no React, no server code.
 */
import type { RouterOutputs } from "@/lib/api-types";

export type PlanView = RouterOutputs["plans"]["get"];
export type PlanExecutionMove = PlanView["execution"][number];

export interface Segment {
  id: string;
  name: string;
  kind: "vm" | "container";
  cpu: number;
  memoryMb: number;
  pinned: boolean;
  /** Moves in this plan (arrives on this host after, or leaves it before). */
  moving: boolean;
}

export interface HostBar {
  id: string;
  name: string;
  cpu: number;
  memoryMb: number;
  maintenance: boolean;
  segments: Segment[];
  cpuUsed: number;
  memoryUsedMb: number;
  /** Holds no workload: greyed in the picture. */
  empty: boolean;
}

export interface PlanPicture {
  before: HostBar[];
  after: HostBar[];
  /** Hosts that held workloads before and none after: candidates for standby. */
  emptied: string[];
}

export function planPicture(plan: Pick<PlanView, "input" | "output">): PlanPicture {
  const { hosts, workloads } = plan.input;
  const placement = plan.output.placement ?? {};
  const movers = new Set((plan.output.moves ?? []).map((m) => m.workload));
  const build = (hostOf: (w: (typeof workloads)[number]) => string): HostBar[] =>
    hosts.map((h) => {
      const segments = workloads
        .filter((w) => hostOf(w) === h.id)
        .map((w) => ({
          id: w.id,
          name: w.name,
          kind: w.kind,
          cpu: w.cpu,
          memoryMb: w.memoryMb,
          pinned: w.pinned,
          moving: movers.has(w.id),
        }))
        // Biggest first, so the bars read like packed bins.
        .sort((a, b) => b.memoryMb - a.memoryMb);
      return {
        id: h.id,
        name: h.name,
        cpu: h.cpu,
        memoryMb: h.memoryMb,
        maintenance: h.maintenance,
        segments,
        cpuUsed: segments.reduce((s, w) => s + w.cpu, 0),
        memoryUsedMb: segments.reduce((s, w) => s + w.memoryMb, 0),
        empty: segments.length === 0,
      };
    });
  const before = build((w) => w.host);
  const after = build((w) => placement[w.id] ?? w.host);
  const emptied = after.filter((h, i) => h.empty && !before[i]?.empty).map((h) => h.id);
  return { before, after, emptied };
}

/** Names for ids the planner speaks in. */
export function planNames(plan: Pick<PlanView, "input">): Map<string, string> {
  const names = new Map<string, string>();
  for (const h of plan.input.hosts) names.set(h.id, h.name);
  for (const w of plan.input.workloads) names.set(w.id, w.name);
  return names;
}

/** A planner sentence (reason, warning) with the ids in it replaced by names. */
export function withNames(text: string, names: ReadonlyMap<string, string>): string {
  let named = text;
  for (const [id, name] of names) if (named.includes(id)) named = named.replaceAll(id, name);
  return named;
}
