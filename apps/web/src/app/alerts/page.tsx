import { Suspense } from "react";
import { AlertsView } from "./_components/alerts-view";

export default function AlertsPage() {
  // AlertsView keeps the open tab in the URL's search params, which needs a Suspense boundary.
  return (
    <Suspense>
      <AlertsView />
    </Suspense>
  );
}
