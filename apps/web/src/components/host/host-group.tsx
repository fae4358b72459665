"use client";

/**
 * The host's group (a rack, a site, a hardware generation) as one fact of the header, changed in
 * place by those holding hosts.manage; consolidation plans can be scoped to a group.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { useCan } from "@/components/shell/use-can";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { errorMessage, useTRPC } from "@/lib/trpc";

export function HostGroup({ hostId, group }: { hostId: string; group: string | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canManage = useCan("hosts.manage");
  const inputId = useId();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(group ?? "");
  const save = useMutation(
    trpc.plans.setHostGroup.mutationOptions({
      onSuccess: () => {
        setEditing(false);
        void queryClient.invalidateQueries(trpc.fleet.host.queryFilter({ id: hostId }));
        void queryClient.invalidateQueries(trpc.plans.scopes.queryFilter());
      },
    }),
  );
  const submit = (e: FormEvent, clear = false) => {
    e.preventDefault();
    save.mutate({ hostIds: [hostId], group: clear ? null : name });
  };

  if (!editing)
    return (
      <span className="flex items-center gap-2">
        <span data-testid="host-group">{group ?? "—"}</span>
        {canManage ? (
          <Button
            size="sm"
            variant="ghost"
            className="h-6 px-1.5 text-xs"
            onClick={() => {
              setName(group ?? "");
              setEditing(true);
            }}
          >
            {group ? "Change group" : "Set group"}
          </Button>
        ) : null}
      </span>
    );
  return (
    <form aria-label="Host group" onSubmit={(e) => submit(e)} className="flex flex-wrap items-center gap-1">
      <label htmlFor={inputId} className="sr-only">
        Group name
      </label>
      <Input
        id={inputId}
        className="h-7 w-32"
        required
        maxLength={64}
        placeholder="rack-1"
        value={name}
        onChange={(e) => setName(e.target.value)}
      />
      <Button size="sm" type="submit" variant="primary" className="h-7" disabled={save.isPending}>
        Save
      </Button>
      {group ? (
        <Button size="sm" type="button" className="h-7" onClick={(e) => submit(e, true)} disabled={save.isPending}>
          No group
        </Button>
      ) : null}
      <Button size="sm" type="button" variant="ghost" className="h-7" onClick={() => setEditing(false)}>
        Cancel
      </Button>
      {save.isError ? (
        <p role="alert" className="w-full whitespace-normal text-danger text-xs">
          {errorMessage(save.error)}
        </p>
      ) : null}
    </form>
  );
}
