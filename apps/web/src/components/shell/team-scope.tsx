"use client";

/**
 * The team whose object a page shows (a host's page, a workload's page). Under it, useCan asks
 * whether the person holds a permission in THAT team, so an operator of team A who only views
 * team B is not offered team B's actions. The scopes read the page's own query (same key, so
 * no second request).
 */
import { useQuery } from "@tanstack/react-query";
import { createContext, type ReactNode, useContext } from "react";
import { useTRPC } from "@/lib/trpc";

const TeamScopeContext = createContext<string | null>(null);

export function TeamScope({ teamId, children }: { teamId: string | null | undefined; children: ReactNode }) {
  return <TeamScopeContext.Provider value={teamId || null}>{children}</TeamScopeContext.Provider>;
}

/** A host page's scope: the host's team. */
export function HostTeamScope({ hostId, children }: { hostId: string; children: ReactNode }) {
  const trpc = useTRPC();
  const host = useQuery(trpc.fleet.host.queryOptions({ id: hostId }, { staleTime: 10_000 }));
  return <TeamScope teamId={host.data?.teamId}>{children}</TeamScope>;
}

/** A workload page's scope: its host's team. */
export function WorkloadTeamScope({ workloadId, children }: { workloadId: string; children: ReactNode }) {
  const trpc = useTRPC();
  const workload = useQuery(trpc.fleet.workload.queryOptions({ id: workloadId }, { staleTime: 10_000 }));
  return <TeamScope teamId={workload.data?.teamId}>{children}</TeamScope>;
}

/** The team in scope, or null outside any (lists across teams, the deploy page). */
export function useScopedTeam(): string | null {
  return useContext(TeamScopeContext);
}
