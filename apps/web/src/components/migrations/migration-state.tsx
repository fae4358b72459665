import { Badge, type BadgeTone } from "@/components/ui/badge";

const TONES: Record<string, BadgeTone> = {
  pending: "neutral",
  planning: "neutral",
  draft: "neutral",
  approved: "info",
  preparing: "info",
  migrating: "info",
  completing: "info",
  running: "info",
  succeeded: "ok",
  failed: "danger",
  cancelled: "warn",
  skipped: "neutral",
};

/** The state of a migration, an evacuation, a plan or one of its moves. */
export function StateBadge({ state, testId }: { state: string; testId?: string }) {
  return (
    <Badge tone={TONES[state] ?? "neutral"} dot className="capitalize" data-testid={testId} data-state={state}>
      {state.replace("_", " ")}
    </Badge>
  );
}

export const ACTIVE_MIGRATION_STATES = ["pending", "preparing", "migrating", "completing"];

/** "1.2 s", "340 ms", "2 min 5 s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** QEMU reports transfer speed in megabits per second. */
export function formatMbps(mbps: number | null | undefined): string {
  if (mbps === null || mbps === undefined || !Number.isFinite(mbps)) return "—";
  return mbps >= 1000 ? `${(mbps / 1000).toFixed(2)} Gbit/s` : `${mbps.toFixed(mbps >= 100 ? 0 : 1)} Mbit/s`;
}
