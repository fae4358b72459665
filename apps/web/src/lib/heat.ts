/**
 * The load colour ramp shared by the heatmap and its legend: cool green when idle,
 * through yellow, to red when saturated. Ten steps read better than a continuous
 * gradient at small cell sizes.
 */
export const HEAT_STOPS = [
  "oklch(0.40 0.06 170)",
  "oklch(0.47 0.09 163)",
  "oklch(0.55 0.12 155)",
  "oklch(0.63 0.14 145)",
  "oklch(0.71 0.15 128)",
  "oklch(0.78 0.15 105)",
  "oklch(0.80 0.15 82)",
  "oklch(0.75 0.16 62)",
  "oklch(0.69 0.18 42)",
  "oklch(0.63 0.20 25)",
] as const;

/** Colour for no data (a host that has not reported yet). */
export const HEAT_EMPTY = "var(--color-surface-3)";

export function heatColor(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return HEAT_EMPTY;
  const index = Math.min(HEAT_STOPS.length - 1, Math.max(0, Math.floor(ratio * HEAT_STOPS.length)));
  return HEAT_STOPS[index] ?? HEAT_EMPTY;
}
