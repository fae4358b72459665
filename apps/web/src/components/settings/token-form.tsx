"use client";

/**
 * Create an API token: a name, whose it is (mine, or a team's where I manage members), its
 * scope (only permissions I hold there) and lifetime. The token is shown once.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { useMe } from "@/components/shell/require-auth";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, Label, Select } from "@/components/ui/input";
import { errorMessage, useTRPC } from "@/lib/trpc";
import { PermissionPicker } from "./permission-picker";
import { SecretOnce } from "./secret-once";
import { ErrorLine } from "./settings-header";
import { useHeld } from "./use-held";

const TTL_DAYS = [7, 30, 90, 365];

export function TokenForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useMe();
  const held = useHeld();
  const ids = { name: useId(), owner: useId(), ttl: useId() };
  const [name, setName] = useState("");
  const [owner, setOwner] = useState(""); // "" = mine, else a team id
  const [ttlDays, setTtlDays] = useState(30);
  const [scope, setScope] = useState<Set<string>>(new Set(["fleet.read"]));
  const onSuccess = () => queryClient.invalidateQueries(trpc.tokens.list.queryFilter());
  const mine = useMutation(trpc.tokens.create.mutationOptions({ onSuccess }));
  const forTeam = useMutation(trpc.tokens.createForTeam.mutationOptions({ onSuccess }));
  const teamOwners = held.teamsWith("members.manage");
  // A token may carry only what its maker holds where it acts.
  const options = owner
    ? [...new Set(me.owner ? me.permissions : (me.teams.find((t) => t.id === owner)?.permissions ?? []))]
    : [...me.permissions];
  const created = mine.data ?? forTeam.data;
  const error = mine.error ?? forTeam.error;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const input = { name: name.trim(), permissions: [...scope].filter((p) => options.includes(p as never)), ttlDays };
    mine.reset();
    forTeam.reset();
    if (owner) forTeam.mutate({ ...input, teamId: owner });
    else mine.mutate(input);
  };

  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle>New API token</CardTitle>
          <CardDescription>
            For scripts and automation: send it as <code className="font-mono">Authorization: Bearer …</code>. It never
            does more than its maker may.
          </CardDescription>
        </div>
      </CardHeader>
      <CardContent>
        <form onSubmit={submit} className="space-y-3">
          <div className="grid grid-cols-3 gap-3 max-md:grid-cols-1">
            <div className="space-y-1.5">
              <Label htmlFor={ids.name}>Name</Label>
              <Input
                id={ids.name}
                value={name}
                maxLength={100}
                placeholder="ci-deploy"
                onChange={(e) => setName(e.target.value)}
              />
            </div>
            <div className="space-y-1.5">
              <Label htmlFor={ids.owner}>Belongs to</Label>
              <Select id={ids.owner} value={owner} onChange={(e) => setOwner(e.target.value)}>
                <option value="">Me</option>
                {teamOwners.map((t) => (
                  <option key={t.id} value={t.id}>
                    Team {t.name}
                  </option>
                ))}
              </Select>
            </div>
            <div className="space-y-1.5">
              <Label htmlFor={ids.ttl}>Expires after</Label>
              <Select id={ids.ttl} value={String(ttlDays)} onChange={(e) => setTtlDays(Number(e.target.value))}>
                {TTL_DAYS.map((d) => (
                  <option key={d} value={d}>
                    {d} days
                  </option>
                ))}
              </Select>
            </div>
          </div>
          <PermissionPicker legend="Scope" options={options} value={scope} onChange={setScope} />
          <Button
            type="submit"
            variant="primary"
            disabled={!name.trim() || scope.size === 0 || mine.isPending || forTeam.isPending}
          >
            Create token
          </Button>
          <ErrorLine>{error ? errorMessage(error) : null}</ErrorLine>
        </form>
        {created ? (
          <div className="mt-3">
            <SecretOnce
              label={`API token ${created.name}`}
              value={created.token}
              expiresAt={created.expiresAt}
              testId="api-token-secret"
            />
          </div>
        ) : null}
      </CardContent>
    </Card>
  );
}
