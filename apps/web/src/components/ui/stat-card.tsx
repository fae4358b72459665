import type { ReactNode } from "react";
import { Card } from "@/components/ui/card";
import { formatBytesPerSecond } from "@/lib/format";

/** One live figure in a small card: a label, the value, and an optional footer (meter, detail). */
export function StatCard({ label, children, footer }: { label: string; children: ReactNode; footer?: ReactNode }) {
  return (
    <Card className="px-4 py-3" role="group" aria-label={label}>
      <p className="font-medium text-fg-subtle text-xs">{label}</p>
      <div className="mt-1 font-semibold text-fg text-lg tabular-nums tracking-tight">{children}</div>
      {footer ? <div className="mt-1.5 text-fg-subtle text-xs tabular-nums">{footer}</div> : null}
    </Card>
  );
}

export interface RateRow {
  label: string;
  color: string;
  value: number | null | undefined;
}

/** Two rates, one per line, keyed by the same colours as the charts below. */
export function RatePair({ rows, testId }: { rows: RateRow[]; testId: string }) {
  return (
    <dl className="space-y-0.5 font-normal text-sm" data-testid={testId}>
      {rows.map((r) => (
        <div key={r.label} className="flex items-baseline justify-between gap-3">
          <dt className="flex items-center gap-1.5 text-fg-subtle text-xs">
            <span aria-hidden className="size-1.5 rounded-full" style={{ backgroundColor: r.color }} />
            {r.label}
          </dt>
          <dd className="whitespace-nowrap font-semibold text-fg">{formatBytesPerSecond(r.value)}</dd>
        </div>
      ))}
    </dl>
  );
}
