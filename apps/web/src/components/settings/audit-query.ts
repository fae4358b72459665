/**
 * The audit log's filters as the form holds them, as audit.list takes them, and as the CSV
 * export's query string: one shape for the three.
 */
export interface AuditFilter {
  actor?: string;
  action?: string;
  target?: string;
  /** ISO instants. */
  from?: string;
  to?: string;
}

/** <input type="datetime-local"> gives local time without a zone; the server wants an instant. */
export function localToInstant(local: string): string | undefined {
  if (!local) return undefined;
  const ms = Date.parse(local);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** The form's fields as a filter (blank fields left out), or what is wrong with them. */
export function filterFromForm(form: {
  actor: string;
  action: string;
  target: string;
  from: string;
  to: string;
}): { filter: AuditFilter } | { problem: string } {
  const filter: AuditFilter = {};
  if (form.actor) filter.actor = form.actor;
  if (form.action.trim()) filter.action = form.action.trim();
  if (form.target.trim()) filter.target = form.target.trim();
  const from = localToInstant(form.from);
  const to = localToInstant(form.to);
  if (from) filter.from = from;
  if (to) filter.to = to;
  if (from && to && from >= to) return { problem: "The start of the time range must come before its end." };
  return { filter };
}

/** The CSV endpoint takes the same filters as audit.list, as query parameters. */
export function auditCsvHref(filter: AuditFilter): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value) params.set(key, value);
  const query = params.toString();
  return `/api/audit.csv${query ? `?${query}` : ""}`;
}
