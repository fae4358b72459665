"use client";

import { useParams } from "next/navigation";
import { Suspense } from "react";
import { WorkloadView } from "@/components/workload/workload-view";

export default function WorkloadPage() {
  const { id } = useParams<{ id: string }>();
  // WorkloadView keeps the chart range in the URL's search params, which needs a Suspense boundary.
  return (
    <Suspense>
      <WorkloadView key={id} workloadId={decodeURIComponent(id)} />
    </Suspense>
  );
}
