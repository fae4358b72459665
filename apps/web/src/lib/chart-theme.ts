/**
 * Chart colours as plain hex: uPlot draws on a canvas, which cannot resolve CSS variables.
 * Picked to match the dark theme tokens in globals.css and to stay apart for colour-blind
 * readers (blue/orange and violet/green pairs on the same chart).
 */
export const CHART_THEME = {
  font: '11px Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", sans-serif',
  axisText: "#8a93a3",
  grid: "#262c35",
} as const;

export const SERIES_COLORS = {
  cpu: "#5cb2f2",
  memory: "#a58bf5",
  memoryTotal: "#6b7382",
  rx: "#3fc98f",
  tx: "#f0a04b",
  read: "#5cb2f2",
  write: "#e8799a",
} as const;

/** "#rrggbb" with an alpha, as rgba(). */
export function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
