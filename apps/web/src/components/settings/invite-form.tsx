"use client";

/** Invite someone to a team with a role; the link is shown once, with its expiry. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, Label, Select } from "@/components/ui/input";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { TEAM_ROLE_OPTIONS, type TeamRoleOption } from "./role-value";
import { SecretOnce } from "./secret-once";
import { ErrorLine } from "./settings-header";
import { useHeld } from "./use-held";

const TTL_OPTIONS = [
  { hours: 24, label: "1 day" },
  { hours: 72, label: "3 days" },
  { hours: 24 * 7, label: "7 days" },
  { hours: 24 * 30, label: "30 days" },
];

export function InviteForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const teams = useHeld().teamsWith("members.manage");
  const ids = { email: useId(), team: useId(), role: useId(), ttl: useId() };
  const [email, setEmail] = useState("");
  const [teamId, setTeamId] = useState("");
  const [role, setRole] = useState<TeamRoleOption>("viewer");
  const [ttlHours, setTtlHours] = useState(72);
  const create = useMutation(
    trpc.invitations.create.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.invitations.list.queryFilter()),
    }),
  );
  const chosenTeam = teamId || teams[0]?.id || "";

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ email: email.trim(), teamId: chosenTeam, role, ttlHours });
  };
  const link = create.data ? new URL(create.data.path, window.location.origin).toString() : null;

  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle>Invite someone</CardTitle>
          <CardDescription>They join the team with this role by opening the link before it expires.</CardDescription>
        </div>
      </CardHeader>
      <CardContent className="space-y-3">
        <form onSubmit={submit} className="grid grid-cols-[2fr_1fr_1fr_1fr_auto] items-end gap-3 max-lg:grid-cols-2">
          <div className="space-y-1.5">
            <Label htmlFor={ids.email}>Email</Label>
            <Input
              id={ids.email}
              type="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              placeholder="name@example.com"
            />
          </div>
          <div className="space-y-1.5">
            <Label htmlFor={ids.team}>Team</Label>
            <Select id={ids.team} value={chosenTeam} onChange={(e) => setTeamId(e.target.value)}>
              {teams.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </Select>
          </div>
          <div className="space-y-1.5">
            <Label htmlFor={ids.role}>Role</Label>
            <Select id={ids.role} value={role} onChange={(e) => setRole(e.target.value as TeamRoleOption)}>
              {TEAM_ROLE_OPTIONS.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </Select>
          </div>
          <div className="space-y-1.5">
            <Label htmlFor={ids.ttl}>Expires after</Label>
            <Select id={ids.ttl} value={String(ttlHours)} onChange={(e) => setTtlHours(Number(e.target.value))}>
              {TTL_OPTIONS.map((o) => (
                <option key={o.hours} value={o.hours}>
                  {o.label}
                </option>
              ))}
            </Select>
          </div>
          <Button type="submit" variant="primary" disabled={create.isPending || !chosenTeam || !email.trim()}>
            {create.isPending ? "Creating…" : "Create invitation"}
          </Button>
        </form>
        <ErrorLine>{create.isError ? errorMessage(create.error) : null}</ErrorLine>
        {create.data && link ? (
          <SecretOnce
            label={`Invitation link for ${create.data.email}`}
            value={link}
            expiresAt={create.data.expiresAt}
            testId="invitation-link"
          />
        ) : null}
      </CardContent>
    </Card>
  );
}
