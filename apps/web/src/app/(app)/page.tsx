import { Suspense } from "react";
import { FleetView } from "@/components/fleet/fleet-view";

export default function FleetPage() {
  // FleetView reads the URL's search params, which needs a Suspense boundary.
  return (
    <Suspense>
      <FleetView />
    </Suspense>
  );
}
