/** Description templates: "{{host}} CPU at {{value}} (over {{threshold}})" with the alert's values. */
export type TemplateValues = Record<string, string | number | null | undefined>;

const PLACEHOLDER = /\{\{\s*([a-zA-Z][a-zA-Z0-9_.]*)\s*\}\}/g;

/** Fills {{name}} placeholders; unknown names stay visible as they are, so a typo shows. */
export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name];
    if (value === undefined || value === null) return whole;
    return typeof value === "number" ? formatNumber(value) : value;
  });
}

/** Numbers people read: at most two decimals, large ones grouped compactly (12.5M). */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${trim(value / 1e9)}G`;
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e4) return `${trim(value / 1e3)}k`;
  return trim(value);
}

function trim(value: number): string {
  return String(Math.round(value * 100) / 100);
}

export const DEFAULT_DESCRIPTIONS: Record<string, string> = {
  metric_threshold: "{{rule}}: {{metric}} on {{target}} is {{value}}{{unit}} ({{comparator}} {{threshold}}{{unit}})",
  metric_missing: "{{rule}}: no {{metric}} data from {{target}} for {{for}}",
  host_offline: "{{rule}}: {{host}} is offline",
  command_failed: "{{rule}}: command {{command}} on {{host}} {{outcome}}",
  migration_failed: "{{rule}}: migration of {{workload}} from {{host}} failed: {{error}}",
  container_exited: "{{rule}}: container {{workload}} on {{host}} exited",
  container_restart_loop: "{{rule}}: container {{workload}} on {{host}} restarted {{value}} times in {{for}}",
};
