"use client";

/**
 * Where a deploy goes: one container on a chosen host (container.create), or a deployment of
 * replicas the scheduler places (spread across hosts, or binpacked onto the fewest), with a
 * live preview of where they would land.
 */
import { useQuery } from "@tanstack/react-query";
import { useDeferredValue } from "react";
import { Badge } from "@/components/ui/badge";
import { FieldError, Input, Label, Select } from "@/components/ui/input";
import type { HostRow } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import type { ContainerCreateInput, FieldErrors } from "@/lib/deploy-form";
import { deploymentConfigOf } from "@/lib/deploy-form";
import { useTRPC } from "@/lib/trpc";

export type Placement = "host" | "spread" | "binpack";

const CHOICES: ReadonlyArray<{ value: Placement; label: string; detail: string }> = [
  { value: "host", label: "One host", detail: "One container on the host you pick, like docker run." },
  { value: "spread", label: "Spread", detail: "Replicas on as many hosts as possible." },
  { value: "binpack", label: "Binpack", detail: "Replicas packed onto the fewest hosts." },
];

const CONTAINER_DRIVERS = ["docker", "sim"];

export interface PlacementProps {
  placement: Placement;
  onPlacement: (p: Placement) => void;
  /** Whether deployments (replicas placed by the scheduler) are offered to this role. */
  deployments: boolean;
  hosts: HostRow[] | undefined;
  hostId: string;
  onHostId: (id: string) => void;
  replicas: string;
  onReplicas: (r: string) => void;
  payload: ContainerCreateInput;
  errors: FieldErrors;
}

function HostDrivers({ hostId }: { hostId: string }) {
  const trpc = useTRPC();
  const host = useQuery({ ...trpc.fleet.host.queryOptions({ id: hostId }), enabled: hostId !== "" });
  if (!host.data) return null;
  const runtime = host.data.drivers.find((d) => CONTAINER_DRIVERS.includes(d));
  return runtime ? (
    <p className="mt-1 text-fg-subtle text-xs">
      Runs containers with the <span className="font-mono">{runtime}</span> driver.
    </p>
  ) : (
    <p className="mt-1 text-warn text-xs">
      This host reports no container runtime (drivers: {host.data.drivers.join(", ") || "none"}): its agent will refuse
      the container.
    </p>
  );
}

function PreviewPlacement({
  strategy,
  replicas,
  payload,
}: {
  strategy: Placement;
  replicas: number;
  payload: ContainerCreateInput;
}) {
  const trpc = useTRPC();
  const input = useDeferredValue({ strategy, replicas, config: deploymentConfigOf(payload) });
  const valid = Number.isInteger(input.replicas) && input.replicas >= 1 && input.replicas <= 100;
  const preview = useQuery({
    ...trpc.deploy.previewPlacement.queryOptions({
      replicas: valid ? input.replicas : 1,
      strategy: input.strategy,
      config: input.config,
    }),
    enabled: valid,
    placeholderData: (previous) => previous,
  });
  if (!valid) return null;
  if (preview.isError) return <p className="text-fg-subtle text-xs">No preview: {preview.error.message}</p>;
  if (!preview.data) return <p className="text-fg-subtle text-xs">Working out where the replicas would go…</p>;
  const counts = new Map<string, number>();
  for (const p of preview.data.placements) counts.set(p.hostName, (counts.get(p.hostName) ?? 0) + 1);
  return (
    <div className="space-y-1.5" data-testid="placement-preview">
      <p className={cn("text-xs", preview.data.ok ? "text-fg-muted" : "text-warn")}>
        {preview.data.ok ? "The scheduler would place them on:" : (preview.data.message ?? "They do not all fit.")}
      </p>
      <ul className="flex flex-wrap gap-1">
        {[...counts].map(([name, n]) => (
          <li key={name}>
            <Badge className="font-mono font-normal">
              {name}
              {n > 1 ? ` ×${n}` : ""}
            </Badge>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function PlacementFields(p: PlacementProps) {
  const online = (p.hosts ?? []).filter((h) => h.status === "online");
  const choices = p.deployments ? CHOICES : CHOICES.slice(0, 1);
  return (
    <div className="space-y-3">
      {choices.length > 1 ? (
        <fieldset className="space-y-1.5">
          <legend className="sr-only">Placement</legend>
          {choices.map((c) => (
            <label
              key={c.value}
              className={cn(
                "flex cursor-pointer items-start gap-2.5 rounded-md border px-3 py-2 transition-colors",
                p.placement === c.value ? "border-accent/60 bg-accent/10" : "border-border hover:bg-surface-2",
              )}
            >
              <input
                type="radio"
                name="placement"
                value={c.value}
                checked={p.placement === c.value}
                onChange={() => p.onPlacement(c.value)}
                aria-label={c.label}
                aria-describedby={`placement-${c.value}-detail`}
                className="mt-1 accent-accent"
              />
              <span>
                <span className="block font-medium text-fg text-sm">{c.label}</span>
                <span id={`placement-${c.value}-detail`} className="block text-fg-subtle text-xs">
                  {c.detail}
                </span>
              </span>
            </label>
          ))}
        </fieldset>
      ) : null}

      {p.placement === "host" ? (
        <div>
          <Label htmlFor="deploy-host">Target host</Label>
          <Select
            id="deploy-host"
            value={p.hostId}
            onChange={(e) => p.onHostId(e.target.value)}
            className="mt-1"
            aria-invalid={p.errors.hostId ? true : undefined}
            aria-describedby={p.errors.hostId ? "deploy-host-error" : undefined}
          >
            <option value="" disabled>
              {p.hosts ? (online.length ? "Choose a host" : "No host is online") : "Loading hosts…"}
            </option>
            {online.map((h) => (
              <option key={h.id} value={h.id}>
                {h.name}
                {h.simulated ? " (simulated)" : ""}
              </option>
            ))}
          </Select>
          <FieldError id="deploy-host-error">{p.errors.hostId}</FieldError>
          {p.hostId ? <HostDrivers hostId={p.hostId} /> : null}
        </div>
      ) : (
        <div className="space-y-2">
          <div>
            <Label htmlFor="deploy-replicas">Replicas</Label>
            <Input
              id="deploy-replicas"
              inputMode="numeric"
              value={p.replicas}
              onChange={(e) => p.onReplicas(e.target.value)}
              className="mt-1 w-24"
              aria-invalid={p.errors.replicas ? true : undefined}
              aria-describedby={p.errors.replicas ? "deploy-replicas-error" : undefined}
            />
            <FieldError id="deploy-replicas-error">{p.errors.replicas}</FieldError>
          </div>
          <PreviewPlacement strategy={p.placement} replicas={Number(p.replicas)} payload={p.payload} />
        </div>
      )}
    </div>
  );
}
