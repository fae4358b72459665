"use client";

import { useParams } from "next/navigation";
import { Suspense } from "react";
import { HostView } from "@/components/host/host-view";

export default function HostPage() {
  const { id } = useParams<{ id: string }>();
  // HostView keeps the chart range in the URL's search params, which needs a Suspense boundary.
  return (
    <Suspense>
      <HostView key={id} hostId={decodeURIComponent(id)} />
    </Suspense>
  );
}
