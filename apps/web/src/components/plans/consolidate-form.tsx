"use client";

/**
 * The "Consolidate" form: scope (all hosts, one team, one host group), demand window and
 * percentile, memory measure, headroom -> plans.create.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { AlertTriangle, Layers } from "lucide-react";
import { type FormEvent, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, Label, Select } from "@/components/ui/input";
import { errorMessage, useTRPC } from "@/lib/trpc";

type Scope = "all" | "team" | "group";

export function ConsolidateForm({ onCreated }: { onCreated: (id: string) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const id = useId();
  const scopes = useQuery(trpc.plans.scopes.queryOptions());
  const [scope, setScope] = useState<Scope>("all");
  const [teamId, setTeamId] = useState("");
  const [group, setGroup] = useState("");
  const teams = scopes.data?.teams ?? [];
  const groups = scopes.data?.groups ?? [];
  // The first team or group until one is chosen.
  const chosenTeam = teamId || teams[0]?.id || "";
  const chosenGroup = group || groups[0]?.group || "";
  const [windowMinutes, setWindowMinutes] = useState("60");
  const [cpuPercentile, setCpuPercentile] = useState("95");
  const [memory, setMemory] = useState<"used" | "allocated">("used");
  const [cpuHeadroom, setCpuHeadroom] = useState("80");
  const [memoryHeadroom, setMemoryHeadroom] = useState("90");
  const create = useMutation(
    trpc.plans.create.mutationOptions({
      onSuccess: (plan) => {
        void queryClient.invalidateQueries(trpc.plans.list.queryFilter());
        onCreated(plan.id);
      },
    }),
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({
      scope: scope === "team" ? { teamId: chosenTeam } : scope === "group" ? { group: chosenGroup } : "all",
      windowMinutes: Number(windowMinutes),
      cpuPercentile: Number(cpuPercentile),
      memory,
      policy: { cpuHeadroom: Number(cpuHeadroom) / 100, memoryHeadroom: Number(memoryHeadroom) / 100 },
    });
  };

  const field = (name: string) => `${id}-${name}`;
  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle>Consolidate</CardTitle>
          <CardDescription>
            Pack workloads onto as few hosts as their measured demand allows. Nothing moves until an admin approves.
          </CardDescription>
        </div>
      </CardHeader>
      <CardContent>
        <form onSubmit={submit} aria-label="Consolidate" className="space-y-4">
          <div className="grid grid-cols-2 gap-3 md:grid-cols-4 xl:grid-cols-7">
            <div className="space-y-1">
              <Label htmlFor={field("scope")}>Scope</Label>
              <Select id={field("scope")} value={scope} onChange={(e) => setScope(e.target.value as Scope)}>
                <option value="all">All hosts</option>
                <option value="team">One team</option>
                <option value="group">One host group</option>
              </Select>
            </div>
            {scope === "team" ? (
              <div className="space-y-1">
                <Label htmlFor={field("team")}>Team</Label>
                <Select id={field("team")} required value={chosenTeam} onChange={(e) => setTeamId(e.target.value)}>
                  {teams.map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.name}
                    </option>
                  ))}
                </Select>
              </div>
            ) : null}
            {scope === "group" ? (
              <div className="space-y-1">
                <Label htmlFor={field("group")}>Host group</Label>
                {groups.length > 0 ? (
                  <Select id={field("group")} required value={chosenGroup} onChange={(e) => setGroup(e.target.value)}>
                    {groups.map((g) => (
                      <option key={g.group} value={g.group}>
                        {g.group} ({g.online} of {g.hosts} online)
                      </option>
                    ))}
                  </Select>
                ) : (
                  <p className="py-1.5 text-fg-subtle text-xs">No host group yet: put hosts in one below.</p>
                )}
              </div>
            ) : null}
            <div className="space-y-1">
              <Label htmlFor={field("window")}>Window (minutes)</Label>
              <Input
                id={field("window")}
                type="number"
                min={1}
                max={44640}
                required
                value={windowMinutes}
                onChange={(e) => setWindowMinutes(e.target.value)}
              />
            </div>
            <div className="space-y-1">
              <Label htmlFor={field("pct")}>CPU percentile</Label>
              <Input
                id={field("pct")}
                type="number"
                min={1}
                max={100}
                step="any"
                required
                value={cpuPercentile}
                onChange={(e) => setCpuPercentile(e.target.value)}
              />
            </div>
            <div className="space-y-1">
              <Label htmlFor={field("memory")}>Memory measure</Label>
              <Select
                id={field("memory")}
                value={memory}
                onChange={(e) => setMemory(e.target.value as "used" | "allocated")}
              >
                <option value="used">Used (p95)</option>
                <option value="allocated">Allocated</option>
              </Select>
            </div>
            <div className="space-y-1">
              <Label htmlFor={field("cpuh")}>CPU headroom (% usable)</Label>
              <Input
                id={field("cpuh")}
                type="number"
                min={1}
                max={100}
                required
                value={cpuHeadroom}
                onChange={(e) => setCpuHeadroom(e.target.value)}
              />
            </div>
            <div className="space-y-1">
              <Label htmlFor={field("memh")}>Memory headroom (% usable)</Label>
              <Input
                id={field("memh")}
                type="number"
                min={1}
                max={100}
                required
                value={memoryHeadroom}
                onChange={(e) => setMemoryHeadroom(e.target.value)}
              />
            </div>
          </div>
          <div className="flex items-center gap-3">
            <Button
              type="submit"
              variant="primary"
              disabled={create.isPending || (scope === "group" && !chosenGroup) || (scope === "team" && !chosenTeam)}
            >
              <Layers aria-hidden className="size-4" />
              {create.isPending ? "Planning…" : "Consolidate"}
            </Button>
            {create.isPending ? (
              <span role="status" className="text-fg-subtle text-sm">
                Measuring demand and packing hosts…
              </span>
            ) : null}
          </div>
          {create.isError ? (
            <div
              role="alert"
              data-testid="plan-error"
              className="flex gap-3 rounded-md border border-danger/40 bg-danger/10 px-3 py-2.5 text-sm"
            >
              <AlertTriangle aria-hidden className="mt-0.5 size-4 shrink-0 text-danger" />
              <div className="space-y-1">
                <p className="font-medium text-danger">The planner refused</p>
                <p className="text-fg">{errorMessage(create.error)}</p>
                <p className="text-fg-subtle text-xs">
                  Change what it names (unpin or free the workload, widen the scope, raise headroom) and plan again.
                </p>
              </div>
            </div>
          ) : null}
        </form>
      </CardContent>
    </Card>
  );
}
