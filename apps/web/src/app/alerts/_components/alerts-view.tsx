"use client";

/** /alerts: firing and recent alerts, rules, silences and webhook endpoints, one tab each (kept in ?tab=). */
import { useSearchParams } from "next/navigation";
import { useState } from "react";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { AlertList } from "./alert-list";
import { RulesPanel } from "./rules-panel";
import { SilencesPanel } from "./silences-panel";
import { WebhooksPanel } from "./webhooks-panel";

const TABS = ["alerts", "rules", "silences", "webhooks"] as const;
type Tab = (typeof TABS)[number];

export function AlertsView() {
  const params = useSearchParams();
  const initial = params.get("tab");
  const [tab, setTab] = useState<Tab>(TABS.includes(initial as Tab) ? (initial as Tab) : "alerts");

  const select = (next: string) => {
    setTab(next as Tab);
    const search = new URLSearchParams(window.location.search);
    search.set("tab", next);
    window.history.replaceState(null, "", `?${search.toString()}`);
  };

  return (
    <div className="space-y-5">
      <div>
        <h1 className="font-semibold text-fg text-xl tracking-tight">Alerts</h1>
        <p className="text-fg-subtle text-sm">
          What is wrong now, the rules that watch for it, and where notifications go.
        </p>
      </div>
      <Tabs value={tab} onValueChange={select}>
        <TabsList aria-label="Alerting">
          <TabsTrigger value="alerts">Alerts</TabsTrigger>
          <TabsTrigger value="rules">Rules</TabsTrigger>
          <TabsTrigger value="silences">Silences</TabsTrigger>
          <TabsTrigger value="webhooks">Webhooks</TabsTrigger>
        </TabsList>
        <TabsContent value="alerts" className="pt-4">
          <AlertList />
        </TabsContent>
        <TabsContent value="rules" className="pt-4">
          <RulesPanel />
        </TabsContent>
        <TabsContent value="silences" className="pt-4">
          <SilencesPanel />
        </TabsContent>
        <TabsContent value="webhooks" className="pt-4">
          <WebhooksPanel />
        </TabsContent>
      </Tabs>
    </div>
  );
}
