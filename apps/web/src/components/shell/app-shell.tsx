"use client";

import type { ReactNode } from "react";
import { CommandsLiveSync } from "@/components/commands/commands-live-sync";
import { RunningCommands } from "@/components/commands/running-commands";
import { ToastRegion } from "@/components/ui/toast";
import { AppRail } from "./app-rail";
import { LiveCacheSync } from "./live-cache-sync";
import { LiveIndicator } from "./live-indicator";
import { UserMenu } from "./user-menu";

/** Rail on the left, a slim top bar (commands running, live state, user), the page below. */
export function AppShell({ children }: { children: ReactNode }) {
  return (
    <div className="flex min-h-dvh">
      <LiveCacheSync />
      <CommandsLiveSync />
      <AppRail />
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="sticky top-0 z-30 flex h-14 items-center justify-end gap-3 border-border border-b bg-canvas/85 px-6 backdrop-blur">
          <RunningCommands />
          <LiveIndicator />
          <UserMenu />
        </header>
        <main className="flex-1 px-6 py-5">{children}</main>
        <ToastRegion />
      </div>
    </div>
  );
}
