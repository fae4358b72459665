/**
 * tRPC sends dates as JSON (no transformer), so a `Date` in an inferred output type is an ISO
 * string in the browser. This gives the string either way, for <RelativeTime> and formatting.
 */
export function iso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === "string" ? value : value.toISOString();
}
