"use client";

/** A team's hosts, each with "Move to team" where the caller manages hosts on both sides. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { HostStatusBadge } from "@/components/fleet/host-status-badge";
import { Select } from "@/components/ui/input";
import type { HostRow } from "@/lib/api-types";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { ErrorLine } from "./settings-header";
import { useHeld } from "./use-held";

export function TeamHosts({
  team,
  hosts,
  teams,
}: {
  team: { id: string; name: string };
  hosts: HostRow[];
  teams: { id: string; name: string }[];
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const held = useHeld();
  const move = useMutation(
    trpc.teams.moveHost.mutationOptions({
      onSuccess: async () => {
        await Promise.all([
          queryClient.invalidateQueries(trpc.teams.list.queryFilter()),
          queryClient.invalidateQueries(trpc.fleet.hosts.queryFilter()),
        ]);
      },
    }),
  );
  const canMoveOut = held.inTeam(team.id, "hosts.manage");
  const targets = teams.filter((t) => t.id !== team.id && held.inTeam(t.id, "hosts.manage"));

  if (hosts.length === 0) return <p className="text-fg-subtle text-xs">No hosts in this team.</p>;
  return (
    <div className="space-y-1">
      <ul className="space-y-1">
        {hosts.map((h) => (
          <li key={h.id} className="flex items-center gap-2" data-testid="team-host" data-host={h.name}>
            <Link href={`/hosts/${h.id}`} className="w-48 truncate text-fg text-sm hover:underline">
              {h.name}
            </Link>
            <HostStatusBadge status={h.status} />
            {canMoveOut && targets.length > 0 ? (
              <Select
                aria-label={`Move ${h.name} to team`}
                className="ml-auto h-7 w-48 text-xs"
                value=""
                disabled={move.isPending}
                onChange={(e) => {
                  if (e.target.value) move.mutate({ hostId: h.id, teamId: e.target.value });
                }}
              >
                <option value="">Move to team…</option>
                {targets.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </Select>
            ) : null}
          </li>
        ))}
      </ul>
      <ErrorLine>{move.isError ? errorMessage(move.error) : null}</ErrorLine>
    </div>
  );
}
