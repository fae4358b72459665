import type { ReactNode } from "react";
import { AppShell } from "@/components/shell/app-shell";
import { RequireAuth } from "@/components/shell/require-auth";
import { LiveSocketProvider } from "@/lib/live-socket";

/** Every signed-in page: auth gate, one live connection, and the app shell. */
export default function SignedInLayout({ children }: { children: ReactNode }) {
  return (
    <RequireAuth>
      <LiveSocketProvider>
        <AppShell>{children}</AppShell>
      </LiveSocketProvider>
    </RequireAuth>
  );
}
