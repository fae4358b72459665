"use client";

/**
 * What a deploy is doing and where it ended: for one container, the create command's state and
 * then a link to the new workload once its host reports it; for a deployment, its rollout
 * (replicas ready of wanted, each replica's state), live from `deployment:update`.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowRight } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { CommandStatus } from "@/components/commands/command-status";
import type { RunCommand } from "@/components/commands/use-command";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { ProgressBar } from "@/components/ui/progress";
import { useLiveEvent } from "@/lib/live-socket";
import { useTRPC } from "@/lib/trpc";
import type { DeploymentUpdateEvent } from "@/shared/live-events";

/** The new container's page, once its host's inventory has it. */
function CreatedWorkloadLink({ hostId, externalId }: { hostId: string; externalId: string }) {
  const trpc = useTRPC();
  const workloads = useQuery({
    ...trpc.fleet.workloads.queryOptions({ hostId }),
    // The live sync refetches on the host's inventory change; poll too in case it came first.
    refetchInterval: (q) => (q.state.data?.some((w) => w.externalId === externalId) ? false : 1_000),
  });
  const created = workloads.data?.find((w) => w.externalId === externalId);
  if (!created) return <p className="text-fg-subtle text-sm">Waiting for the host to report the new container…</p>;
  return (
    <Link
      href={`/workloads/${created.id}`}
      className="inline-flex items-center gap-1.5 font-medium text-accent text-sm hover:underline"
      data-testid="deployed-workload-link"
    >
      Open {created.name}: its logs, ports and actions
      <ArrowRight aria-hidden className="size-4" />
    </Link>
  );
}

export function SingleDeployProgress({ run, hostId, title }: { run: RunCommand; hostId: string; title: string }) {
  const result =
    run.command?.state === "succeeded"
      ? (run.command.result as { workloadId?: unknown; warnings?: unknown } | null)
      : null;
  const externalId = typeof result?.workloadId === "string" ? result.workloadId : null;
  const warnings = Array.isArray(result?.warnings)
    ? result.warnings.filter((w): w is string => typeof w === "string")
    : [];
  return (
    <div className="space-y-2">
      <CommandStatus run={run} doing={`Deploying ${title}`} done={`Deployed ${title}`} testId="deploy-status" />
      {warnings.map((w) => (
        <p key={w} className="text-warn text-xs">
          Engine warning: {w}
        </p>
      ))}
      {externalId ? <CreatedWorkloadLink hostId={hostId} externalId={externalId} /> : null}
    </div>
  );
}

const DEPLOYMENT_TONES: Record<DeploymentUpdateEvent["state"], BadgeTone> = {
  pending: "neutral",
  rolling_out: "info",
  running: "ok",
  updating: "info",
  degraded: "warn",
  removing: "neutral",
  removed: "neutral",
  failed: "danger",
};

const REPLICA_TONES: Record<string, BadgeTone> = {
  pending: "neutral",
  creating: "info",
  running: "ok",
  removing: "neutral",
  removed: "neutral",
  failed: "danger",
};

export function DeploymentProgress({ id }: { id: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const detail = useQuery(trpc.deploy.get.queryOptions({ id }));
  const [latest, setLatest] = useState<DeploymentUpdateEvent | null>(null);

  useLiveEvent("deployment:update", (e) => {
    if (e.id !== id) return;
    setLatest(e);
    void queryClient.invalidateQueries(trpc.deploy.get.queryFilter({ id }));
  });

  const d = detail.data;
  const state = latest?.state ?? d?.state ?? "pending";
  const ready = latest?.ready ?? d?.ready ?? 0;
  const desired = latest?.desired ?? d?.replicas ?? 0;
  const reason = latest?.reason ?? d?.reason ?? null;
  return (
    <div
      role="status"
      aria-live="polite"
      className="space-y-2 rounded-md border border-border bg-surface-2/60 px-3 py-2 text-sm"
      data-testid="deployment-progress"
      data-state={state}
    >
      <div className="flex items-center gap-2">
        <span className="font-medium text-fg">{d?.name ?? latest?.name ?? "Deployment"}</span>
        <Badge tone={DEPLOYMENT_TONES[state]} dot className="capitalize">
          {state.replace("_", " ")}
        </Badge>
        <span className="ml-auto text-fg-muted text-xs tabular-nums">
          {ready} of {desired} ready
        </span>
      </div>
      <ProgressBar
        value={desired > 0 ? ready / desired : null}
        label="Rollout progress"
        tone={
          state === "failed"
            ? "danger"
            : state === "degraded"
              ? "warn"
              : ready === desired && desired > 0
                ? "ok"
                : "info"
        }
      />
      {reason ? <p className="text-warn text-xs">{reason}</p> : null}
      {d?.replicaList.length ? (
        <ul aria-label="Replicas" className="space-y-1 text-xs">
          {d.replicaList.map((r) => (
            <li key={r.id} className="flex items-center gap-2">
              <span className="w-16 text-fg-subtle">Replica {r.index + 1}</span>
              <Link href={`/hosts/${r.hostId}`} className="text-fg hover:text-accent hover:underline">
                {r.hostName}
              </Link>
              <Badge tone={REPLICA_TONES[r.state] ?? "neutral"} className="capitalize">
                {r.state}
              </Badge>
              {r.error ? (
                <span className="min-w-0 truncate text-danger" title={r.error}>
                  {r.error}
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
