import { Suspense } from "react";
import { DeployView } from "@/components/deploy/deploy-view";

export default function DeployPage() {
  // DeployView reads the target host from the URL's search params, which needs a Suspense boundary.
  return (
    <Suspense>
      <DeployView />
    </Suspense>
  );
}
