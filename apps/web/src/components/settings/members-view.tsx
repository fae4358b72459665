"use client";

/**
 * /settings/members: the people of the teams I manage (everyone, for the owner), their role in
 * each team, changing it, removing them from a team or (owner) from the organisation.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useMe } from "@/components/shell/require-auth";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Dialog } from "@/components/ui/dialog";
import { Select } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import type { RouterOutputs } from "@/lib/api-types";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { RoleSelect } from "./role-select";
import { parseRoleValue, roleValue } from "./role-value";
import { ErrorLine, SettingsHeader } from "./settings-header";
import { useHeld } from "./use-held";

type Member = RouterOutputs["members"]["list"][number];

export function MembersView() {
  const trpc = useTRPC();
  const held = useHeld();
  const members = useQuery(trpc.members.list.queryOptions({}));
  const [removing, setRemoving] = useState<Member | null>(null);

  return (
    <>
      <SettingsHeader
        title="Members"
        description="People in the teams you manage, and the role each holds in every team."
      />
      <ErrorLine>{members.isError ? errorMessage(members.error) : null}</ErrorLine>
      <Card>
        <Table aria-label="Members">
          <TableHeader>
            <TableRow className="hover:bg-transparent">
              <TableHead>Person</TableHead>
              <TableHead>Organisation</TableHead>
              <TableHead>Teams and roles</TableHead>
              <TableHead>
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {!members.data ? (
              <TableRow>
                <TableCell colSpan={4}>
                  <Skeleton className="h-5" />
                </TableCell>
              </TableRow>
            ) : members.data.length === 0 ? (
              <TableRow className="hover:bg-transparent">
                <TableCell colSpan={4} className="py-8 text-center text-fg-subtle">
                  No members yet. Invite someone from Invitations.
                </TableCell>
              </TableRow>
            ) : (
              members.data.map((m) => (
                <TableRow key={m.userId} data-testid="member-row" data-email={m.email} className="align-top">
                  <TableCell>
                    <p className="font-medium text-fg">{m.name || m.email}</p>
                    <p className="text-fg-subtle text-xs">{m.email}</p>
                  </TableCell>
                  <TableCell>
                    {m.orgRole ? (
                      <Badge tone={m.orgRole === "owner" ? "info" : "neutral"}>{m.orgRole}</Badge>
                    ) : (
                      "member"
                    )}
                  </TableCell>
                  <TableCell className="whitespace-normal">
                    <MemberTeams member={m} />
                  </TableCell>
                  <TableCell className="text-right">
                    {held.any("org.manage") && m.orgRole !== "owner" ? (
                      <Button size="sm" variant="danger" onClick={() => setRemoving(m)}>
                        Remove from organisation
                      </Button>
                    ) : null}
                  </TableCell>
                </TableRow>
              ))
            )}
          </TableBody>
        </Table>
      </Card>
      <RemoveFromOrgDialog member={removing} onClose={() => setRemoving(null)} />
    </>
  );
}

/** One row per team membership: the role (changeable) and Remove; then Add to team. */
function MemberTeams({ member }: { member: Member }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const held = useHeld();
  const me = useMe();
  const refresh = () => queryClient.invalidateQueries(trpc.members.list.queryFilter());
  const setRole = useMutation(trpc.members.setRole.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.members.remove.mutationOptions({ onSuccess: refresh }));
  const inTeams = new Set(member.teams.map((t) => t.teamId));
  const addable = held.teamsWith("members.manage").filter((t) => !inTeams.has(t.id));
  const self = member.userId === me.user.id;
  const label = member.name || member.email;

  return (
    <div className="space-y-1.5">
      {member.orgRole === "owner" ? (
        <p className="text-fg-subtle text-xs">Every team, as the organisation's owner.</p>
      ) : member.teams.length === 0 ? (
        <p className="text-fg-subtle text-xs">In no team you manage.</p>
      ) : null}
      {member.teams.map((t) => (
        <div key={t.teamId} className="flex items-center gap-2" data-testid="member-team" data-team={t.teamName}>
          <span className="w-32 truncate text-fg-muted text-sm">{t.teamName}</span>
          <RoleSelect
            aria-label={`Role of ${label} in ${t.teamName}`}
            className="h-7 w-40 text-xs"
            value={roleValue(t.role, t.customRoleId)}
            disabled={self || setRole.isPending || !held.inTeam(t.teamId, "members.manage")}
            onChange={(e) =>
              setRole.mutate({ teamId: t.teamId, userId: member.userId, ...parseRoleValue(e.target.value) })
            }
          />
          {held.inTeam(t.teamId, "members.manage") && !self ? (
            <Button
              size="sm"
              variant="ghost"
              aria-label={`Remove ${label} from ${t.teamName}`}
              disabled={remove.isPending}
              onClick={() => remove.mutate({ teamId: t.teamId, userId: member.userId })}
            >
              Remove
            </Button>
          ) : null}
        </div>
      ))}
      {addable.length > 0 && !self && member.orgRole !== "owner" ? (
        <Select
          aria-label={`Add ${label} to a team`}
          className="h-7 w-56 text-xs"
          value=""
          disabled={setRole.isPending}
          onChange={(e) => {
            if (e.target.value) setRole.mutate({ teamId: e.target.value, userId: member.userId, role: "viewer" });
          }}
        >
          <option value="">Add to team as viewer…</option>
          {addable.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </Select>
      ) : null}
      <ErrorLine>
        {setRole.isError ? errorMessage(setRole.error) : remove.isError ? errorMessage(remove.error) : null}
      </ErrorLine>
    </div>
  );
}

function RemoveFromOrgDialog({ member, onClose }: { member: Member | null; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const remove = useMutation(
    trpc.members.removeFromOrg.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.members.list.queryFilter());
        onClose();
      },
    }),
  );
  return (
    <Dialog
      open={member !== null}
      onClose={onClose}
      title="Remove from the organisation?"
      description={
        member
          ? `${member.name || member.email} leaves every team; their sessions and API tokens end at once.`
          : undefined
      }
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            variant="danger"
            disabled={remove.isPending}
            onClick={() => member && remove.mutate({ userId: member.userId })}
          >
            Remove
          </Button>
        </>
      }
    >
      <ErrorLine>{remove.isError ? errorMessage(remove.error) : null}</ErrorLine>
    </Dialog>
  );
}
