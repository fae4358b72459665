"use client";

/**
 * Host groups (racks, sites, hardware generations): tick hosts, name a group, and plans can be
 * scoped to it. For roles holding hosts.manage; everyone else sees the groups in the form.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { FolderTree } from "lucide-react";
import { type FormEvent, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, Label } from "@/components/ui/input";
import { errorMessage, useTRPC } from "@/lib/trpc";

export function HostGroupsCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const scopes = useQuery(trpc.plans.scopes.queryOptions());
  const [open, setOpen] = useState(false);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [group, setGroup] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const assign = useMutation(
    trpc.plans.setHostGroup.mutationOptions({
      onMutate: () => setDone(null),
      onSuccess: (r) => {
        setDone(r.group ? `${r.updated} host(s) now in ${r.group}.` : `${r.updated} host(s) now in no group.`);
        setPicked(new Set());
        void queryClient.invalidateQueries(trpc.plans.scopes.queryFilter());
      },
    }),
  );
  const hosts = scopes.data?.hosts ?? [];
  const toggle = (hostId: string) =>
    setPicked((prev) => {
      const next = new Set(prev);
      if (next.has(hostId)) next.delete(hostId);
      else next.add(hostId);
      return next;
    });
  const submit = (e: FormEvent, clear = false) => {
    e.preventDefault();
    assign.mutate({ hostIds: [...picked], group: clear ? null : group });
  };

  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle>Host groups</CardTitle>
          <CardDescription>
            {(scopes.data?.groups ?? []).map((g) => `${g.group} (${g.hosts})`).join(" · ") ||
              "No group yet. Group hosts to plan one group at a time."}
          </CardDescription>
        </div>
        <Button size="sm" className="ml-auto" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          <FolderTree aria-hidden className="size-3.5" />
          {open ? "Close" : "Group hosts"}
        </Button>
      </CardHeader>
      {open ? (
        <CardContent>
          <form aria-label="Group hosts" onSubmit={(e) => submit(e)} className="space-y-3">
            <fieldset className="max-h-56 overflow-y-auto rounded-md border border-border p-2">
              <legend className="px-1 text-fg-subtle text-xs">Hosts ({picked.size} chosen)</legend>
              <div className="grid grid-cols-2 gap-x-4 gap-y-1 md:grid-cols-3 xl:grid-cols-5">
                {hosts.map((h) => (
                  <label key={h.id} className="flex items-center gap-2 text-sm">
                    <input type="checkbox" checked={picked.has(h.id)} onChange={() => toggle(h.id)} />
                    <span className="text-fg">{h.name}</span>
                    {h.group ? <span className="text-fg-subtle text-xs">{h.group}</span> : null}
                  </label>
                ))}
              </div>
            </fieldset>
            <div className="flex flex-wrap items-end gap-3">
              <div className="space-y-1">
                <Label htmlFor={`${id}-name`}>Group name</Label>
                <Input
                  id={`${id}-name`}
                  required
                  maxLength={64}
                  value={group}
                  onChange={(e) => setGroup(e.target.value)}
                  placeholder="rack-a"
                />
              </div>
              <Button type="submit" variant="primary" size="sm" disabled={assign.isPending || picked.size === 0}>
                Put in group
              </Button>
              <Button
                type="button"
                size="sm"
                disabled={assign.isPending || picked.size === 0}
                onClick={(e) => submit(e as unknown as FormEvent, true)}
              >
                Remove from group
              </Button>
            </div>
            {assign.isError ? (
              <p role="alert" className="text-danger text-sm">
                {errorMessage(assign.error)}
              </p>
            ) : done ? (
              <p role="status" className="text-ok text-sm">
                {done}
              </p>
            ) : null}
          </form>
        </CardContent>
      ) : null}
    </Card>
  );
}
