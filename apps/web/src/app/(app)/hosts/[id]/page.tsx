"use client";

import { useParams } from "next/navigation";
import { Suspense } from "react";
import { HostView } from "@/components/host/host-view";
import { HostTeamScope } from "@/components/shell/team-scope";

export default function HostPage() {
  const { id } = useParams<{ id: string }>();
  // HostView keeps the chart range in the URL's search params, which needs a Suspense boundary.
  return (
    <Suspense>
      {/* Actions are offered by the caller's role in the host's team. */}
      <HostTeamScope key={id} hostId={decodeURIComponent(id)}>
        <HostView hostId={decodeURIComponent(id)} />
      </HostTeamScope>
    </Suspense>
  );
}
