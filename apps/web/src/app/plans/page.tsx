import { Suspense } from "react";
import { PlansView } from "@/components/plans/plans-view";

export default function PlansPage() {
  // PlansView keeps the open plan in the URL's search params, which needs a Suspense boundary.
  return (
    <Suspense>
      <PlansView />
    </Suspense>
  );
}
