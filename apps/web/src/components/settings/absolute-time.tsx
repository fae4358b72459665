import { formatDateTime } from "@/lib/format";

/** A date and time as written, for moments ahead (expiry), where "just now" would mislead. */
export function AbsoluteTime({ value }: { value: string | null }) {
  if (!value) return <span>never</span>;
  return <time dateTime={value}>{formatDateTime(value)}</time>;
}
