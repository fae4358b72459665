import type { ReactNode } from "react";
import { cn } from "@/lib/cn";

/** One labelled fact in a header's description list (<dl>): label above, value below. */
export function Fact({
  label,
  children,
  testId,
  wide = false,
  className,
}: {
  label: string;
  children: ReactNode;
  testId?: string;
  /** Takes two grid columns (long values: a CPU model, an image). */
  wide?: boolean;
  className?: string;
}) {
  return (
    <div className={cn(wide ? "col-span-2 min-w-0" : "min-w-0", className)}>
      <dt className="text-[11px] text-fg-subtle uppercase tracking-wider">{label}</dt>
      <dd className="mt-0.5 truncate text-fg text-sm" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}
