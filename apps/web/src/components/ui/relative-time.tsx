"use client";

import { formatDateTime, formatRelativeTime } from "@/lib/format";
import { useNow } from "@/lib/use-now";

/** "12s ago", kept current, with the exact time on hover and for machines. */
export function RelativeTime({ value, className }: { value: string | null | undefined; className?: string }) {
  const now = useNow();
  if (!value) return <span className={className}>never</span>;
  return (
    <time dateTime={value} title={formatDateTime(value)} className={className}>
      {/* The shared clock ticks every few seconds; a newer timestamp (or a server clock a
          little ahead of ours) reads as "just now", never "in 3s". */}
      {formatRelativeTime(value, Math.max(now, Date.parse(value) || now))}
    </time>
  );
}
