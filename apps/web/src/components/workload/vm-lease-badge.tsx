"use client";

/** While a migration or a plan step holds the workload: who holds it, for whom, since when. */
import { Lock } from "lucide-react";
import { Badge } from "@/components/ui/badge";
import { RelativeTime } from "@/components/ui/relative-time";
import type { WorkloadDetail } from "@/lib/api-types";

export function VmLeaseBadge({ lease }: { lease: WorkloadDetail["lease"] }) {
  if (!lease) return null;
  return (
    <Badge tone="warn" className="whitespace-normal" data-testid="workload-lease">
      <Lock aria-hidden className="size-3" />
      <span>
        Locked by <span className="font-mono">{lease.holder}</span> · {lease.acquiredBy} since{" "}
        <RelativeTime value={lease.since} />
      </span>
    </Badge>
  );
}
