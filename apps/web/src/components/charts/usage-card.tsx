"use client";

/**
 * The frame around a page's usage charts: title, a loading mark, the time-range switch, and
 * an error in place of the charts when the history could not be loaded.
 */
import { Loader2 } from "lucide-react";
import type { ReactNode } from "react";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Segmented } from "@/components/ui/segmented";
import type { MetricsRange } from "@/lib/api-types";
import { errorMessage } from "@/lib/trpc";

export const RANGES: ReadonlyArray<{ value: MetricsRange; label: string; ariaLabel: string }> = [
  { value: "1h", label: "1h", ariaLabel: "1h" },
  { value: "24h", label: "24h", ariaLabel: "24h" },
  { value: "7d", label: "7d", ariaLabel: "7d" },
  { value: "30d", label: "30d", ariaLabel: "30d" },
];

export const RANGE_VALUES: readonly MetricsRange[] = RANGES.map((r) => r.value);

export interface UsageCardProps {
  range: MetricsRange;
  onRangeChange: (range: MetricsRange) => void;
  fetching: boolean;
  error: unknown;
  /** The charts, laid out two by two on wide screens. */
  children: ReactNode;
}

export function UsageCard({ range, onRangeChange, fetching, error, children }: UsageCardProps) {
  return (
    <Card>
      <CardHeader className="border-border border-b pb-3">
        <div className="flex items-center gap-2">
          <CardTitle>Usage</CardTitle>
          {fetching ? (
            <Loader2 aria-label="Loading chart data" className="size-3.5 animate-spin text-fg-subtle" />
          ) : null}
        </div>
        <Segmented<MetricsRange> label="Time range" value={range} onChange={onRangeChange} options={RANGES} />
      </CardHeader>
      <CardContent className="pt-4">
        {error ? (
          <p role="alert" className="py-10 text-center text-danger text-sm">
            Could not load metrics: {errorMessage(error)}
          </p>
        ) : (
          <div className="grid grid-cols-1 gap-x-8 gap-y-6 xl:grid-cols-2">{children}</div>
        )}
      </CardContent>
    </Card>
  );
}
