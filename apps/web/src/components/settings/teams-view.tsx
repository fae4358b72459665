"use client";

/**
 * /settings/teams: the teams I can read with my role, members and hosts in each; the owner
 * creates, renames and deletes teams; whoever manages hosts in two teams moves hosts between them.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import type { HostRow, RouterOutputs } from "@/lib/api-types";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { ConfirmDialog } from "./confirm-dialog";
import { ErrorLine, SettingsHeader } from "./settings-header";
import { TeamHosts } from "./team-hosts";
import { useHeld } from "./use-held";

type Team = RouterOutputs["teams"]["list"][number];

export function TeamsView() {
  const trpc = useTRPC();
  const held = useHeld();
  const teams = useQuery(trpc.teams.list.queryOptions());
  const hosts = useQuery(trpc.fleet.hosts.queryOptions());
  const hostsByTeam = new Map<string, HostRow[]>();
  for (const h of hosts.data ?? []) hostsByTeam.set(h.teamId, [...(hostsByTeam.get(h.teamId) ?? []), h]);
  const teamList = (teams.data ?? []).map((t) => ({ id: t.id, name: t.name }));

  return (
    <>
      <SettingsHeader
        title="Teams"
        description="Hosts belong to a team; people hold a role in each team they are in."
      />
      {held.any("org.manage") ? <CreateTeamForm /> : null}
      <ErrorLine>
        {teams.isError ? errorMessage(teams.error) : hosts.isError ? errorMessage(hosts.error) : null}
      </ErrorLine>
      {!teams.data ? (
        <Skeleton className="h-32" />
      ) : (
        <div className="grid gap-4 xl:grid-cols-2">
          {teams.data.map((t) => (
            <TeamCard key={t.id} team={t} hosts={hostsByTeam.get(t.id) ?? []} teams={teamList} />
          ))}
        </div>
      )}
    </>
  );
}

function CreateTeamForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const create = useMutation(
    trpc.teams.create.mutationOptions({
      onSuccess: async () => {
        setName("");
        // The owner's auth.me lists the teams too (menus of teams to invite to, and so on).
        await Promise.all([
          queryClient.invalidateQueries(trpc.teams.list.queryFilter()),
          queryClient.invalidateQueries(trpc.auth.me.queryFilter()),
        ]);
      },
    }),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name: name.trim() });
  };
  return (
    <form onSubmit={submit} className="flex flex-wrap items-center gap-2">
      <Input
        aria-label="New team name"
        placeholder="New team name"
        className="w-64"
        value={name}
        maxLength={100}
        onChange={(e) => setName(e.target.value)}
      />
      <Button type="submit" variant="primary" disabled={!name.trim() || create.isPending}>
        Create team
      </Button>
      <ErrorLine>{create.isError ? errorMessage(create.error) : null}</ErrorLine>
    </form>
  );
}

function TeamCard({ team, hosts, teams }: { team: Team; hosts: HostRow[]; teams: { id: string; name: string }[] }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const held = useHeld();
  const [renaming, setRenaming] = useState<string | null>(null);
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.teams.list.queryFilter()),
      queryClient.invalidateQueries(trpc.auth.me.queryFilter()),
      queryClient.invalidateQueries(trpc.fleet.hosts.queryFilter()),
    ]);
  const rename = useMutation(
    trpc.teams.rename.mutationOptions({
      onSuccess: async () => {
        setRenaming(null);
        await refresh();
      },
    }),
  );
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation(
    trpc.teams.delete.mutationOptions({
      onSuccess: async () => {
        setConfirming(false);
        await refresh();
      },
    }),
  );
  const canManage = held.any("org.manage");
  const error = rename.error;

  return (
    <Card data-testid="team-card" data-team={team.name}>
      <CardHeader>
        {renaming !== null ? (
          <form
            className="flex flex-1 items-center gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              rename.mutate({ id: team.id, name: renaming.trim() });
            }}
          >
            <Input
              aria-label={`New name for ${team.name}`}
              value={renaming}
              maxLength={100}
              autoFocus
              onChange={(e) => setRenaming(e.target.value)}
            />
            <Button type="submit" size="sm" variant="primary" disabled={!renaming.trim() || rename.isPending}>
              Save
            </Button>
            <Button size="sm" onClick={() => setRenaming(null)}>
              Cancel
            </Button>
          </form>
        ) : (
          <>
            <div className="flex items-center gap-2">
              <CardTitle>{team.name}</CardTitle>
              <Badge>{team.myRole}</Badge>
            </div>
            {canManage ? (
              <div className="flex gap-1">
                <Button size="sm" variant="ghost" onClick={() => setRenaming(team.name)}>
                  Rename
                </Button>
                <Button
                  size="sm"
                  variant="ghost"
                  aria-label={`Delete team ${team.name}`}
                  disabled={remove.isPending}
                  title={team.hostCount > 0 ? "Move its hosts to another team first" : undefined}
                  onClick={() => setConfirming(true)}
                >
                  Delete
                </Button>
              </div>
            ) : null}
          </>
        )}
      </CardHeader>
      <CardContent className="space-y-3">
        <p className="text-fg-subtle text-xs">
          {team.hostCount} host{team.hostCount === 1 ? "" : "s"} · {team.memberCount} member
          {team.memberCount === 1 ? "" : "s"}
        </p>
        <TeamHosts team={team} hosts={hosts} teams={teams} />
        <ErrorLine>{error ? errorMessage(error) : null}</ErrorLine>
      </CardContent>
      <ConfirmDialog
        open={confirming}
        title={`Delete the team ${team.name}?`}
        description="Its members lose their role in it. A team that still has hosts, deployments or stacks cannot be deleted."
        confirmLabel="Delete team"
        pending={remove.isPending}
        error={remove.isError ? errorMessage(remove.error) : null}
        onConfirm={() => remove.mutate({ id: team.id })}
        onClose={() => {
          remove.reset();
          setConfirming(false);
        }}
      />
    </Card>
  );
}
