"use client";

import { useParams } from "next/navigation";
import { Suspense } from "react";
import { WorkloadTeamScope } from "@/components/shell/team-scope";
import { WorkloadView } from "@/components/workload/workload-view";

export default function WorkloadPage() {
  const { id } = useParams<{ id: string }>();
  // WorkloadView keeps the chart range in the URL's search params, which needs a Suspense boundary.
  return (
    <Suspense>
      {/* Actions are offered by the caller's role in the workload's team. */}
      <WorkloadTeamScope key={id} workloadId={decodeURIComponent(id)}>
        <WorkloadView workloadId={decodeURIComponent(id)} />
      </WorkloadTeamScope>
    </Suspense>
  );
}
