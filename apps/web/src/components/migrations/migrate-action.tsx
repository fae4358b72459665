"use client";

/**
 * "Migrate" for a VM (live) or a container (cold): choose an online target host, VM disk
 * storage; a container whose volumes would stay behind needs acceptVolumeLoss, asked for only
 * once the server warned. Follows the started migration live from `migration:update`.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowLeftRight } from "lucide-react";
import Link from "next/link";
import { useId, useState } from "react";
import { useCan } from "@/components/shell/use-can";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Checkbox, Label, Select } from "@/components/ui/input";
import { ProgressBar } from "@/components/ui/progress";
import { formatBytes } from "@/lib/format";
import { useLiveEvent } from "@/lib/live-socket";
import { errorMessage, useTRPC } from "@/lib/trpc";
import type { MigrationUpdateEvent } from "@/shared/live-events";
import { ACTIVE_MIGRATION_STATES, formatDuration, formatMbps, StateBadge } from "./migration-state";

interface WorkloadLike {
  id: string;
  name: string;
  kind: "vm" | "container";
  state: string;
  removedAt: string | null;
  host: { id: string };
}

function Following({ id }: { id: string }) {
  const trpc = useTRPC();
  const start = useQuery(trpc.migrations.get.queryOptions({ id }));
  const [live, setLive] = useState<MigrationUpdateEvent | null>(null);
  useLiveEvent("migration:update", (e) => {
    if (e.id === id) setLive(e);
  });
  const m = live ?? start.data;
  if (!m) return null;
  const active = ACTIVE_MIGRATION_STATES.includes(m.state);
  return (
    <div
      role="status"
      aria-live="polite"
      className="flex min-w-64 items-center gap-2 text-xs"
      data-testid="migrate-status"
    >
      <StateBadge state={m.state} />
      {active ? (
        <>
          <ProgressBar className="w-24" value={m.progress} label="Migration progress" />
          <span className="text-fg-muted tabular-nums">
            {formatBytes(m.transferredBytes)} of {formatBytes(m.totalBytes)} · {formatMbps(m.mbps)}
          </span>
        </>
      ) : m.state === "succeeded" ? (
        <span className="text-ok">
          Moved: downtime {formatDuration(m.downtimeMs)}, total {formatDuration(m.totalTimeMs)}
        </span>
      ) : (
        <span className="text-danger">{m.error ?? `Ended ${m.state}.`}</span>
      )}
      <Link href="/migrations" className="text-accent hover:underline">
        All migrations
      </Link>
    </div>
  );
}

export function MigrateAction({ workload: w }: { workload: WorkloadLike }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canMigrate = useCan("migrations.run");
  const id = useId();
  const [open, setOpen] = useState(false);
  const [target, setTarget] = useState("");
  const [storage, setStorage] = useState<"shared" | "copy">("shared");
  const [acceptVolumeLoss, setAcceptVolumeLoss] = useState(false);
  const [startedId, setStartedId] = useState<string | null>(null);
  const hosts = useQuery({ ...trpc.fleet.hosts.queryOptions(), enabled: open });
  const start = useMutation(
    trpc.migrations.start.mutationOptions({
      onSuccess: (m) => {
        setStartedId(m.id);
        setOpen(false);
        void queryClient.invalidateQueries(trpc.migrations.list.queryFilter());
      },
    }),
  );
  if (!canMigrate || w.removedAt || w.state !== "running") return null;

  const targets = (hosts.data ?? []).filter((h) => h.status === "online" && h.id !== w.host.id);
  const errorText = start.error ? errorMessage(start.error) : null;
  const volumeWarning = w.kind === "container" && errorText?.includes("acceptVolumeLoss");
  return (
    <div className="flex flex-wrap items-center gap-2">
      <Button
        className="h-8"
        onClick={() => {
          start.reset();
          setOpen(true);
        }}
        disabled={start.isPending}
      >
        <ArrowLeftRight aria-hidden className="size-3.5 text-accent" />
        Migrate
      </Button>
      {startedId ? <Following id={startedId} /> : null}
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        title={`Migrate ${w.name}`}
        description={
          w.kind === "vm"
            ? "A live migration: the VM keeps running; a short pause at switchover."
            : "A cold migration: the container stops here and starts on the target."
        }
        footer={
          <>
            <Button onClick={() => setOpen(false)}>Cancel</Button>
            <Button
              variant="primary"
              disabled={start.isPending || !target || (volumeWarning && !acceptVolumeLoss)}
              onClick={() =>
                start.mutate({
                  workloadId: w.id,
                  targetHostId: target,
                  ...(w.kind === "vm" ? { storage } : { acceptVolumeLoss }),
                })
              }
            >
              {start.isPending ? "Starting…" : `Migrate ${w.name}`}
            </Button>
          </>
        }
      >
        <div className="space-y-3 text-sm">
          <div className="space-y-1">
            <Label htmlFor={`${id}-target`}>Target host</Label>
            <Select id={`${id}-target`} value={target} onChange={(e) => setTarget(e.target.value)}>
              <option value="">{hosts.isPending ? "Loading hosts…" : "Choose an online host"}</option>
              {targets.map((h) => (
                <option key={h.id} value={h.id}>
                  {h.name}
                </option>
              ))}
            </Select>
            {hosts.data && targets.length === 0 ? (
              <p className="text-fg-subtle text-xs">No other host is online.</p>
            ) : null}
          </div>
          {w.kind === "vm" ? (
            <div className="space-y-1">
              <Label htmlFor={`${id}-storage`}>Disks</Label>
              <Select
                id={`${id}-storage`}
                value={storage}
                onChange={(e) => setStorage(e.target.value as "shared" | "copy")}
              >
                <option value="shared">Shared storage (memory only)</option>
                <option value="copy">Copy disks to the target</option>
              </Select>
            </div>
          ) : null}
          {volumeWarning ? (
            <div className="flex items-center gap-2">
              <Checkbox
                id={`${id}-loss`}
                checked={acceptVolumeLoss}
                onChange={(e) => setAcceptVolumeLoss(e.target.checked)}
              />
              <Label htmlFor={`${id}-loss`} className="text-fg text-sm">
                Move without its volume data (it stays on the source host)
              </Label>
            </div>
          ) : null}
          {errorText ? (
            <p role="alert" className={volumeWarning ? "text-warn text-sm" : "text-danger text-sm"}>
              {volumeWarning
                ? errorText.replace(" with acceptVolumeLoss: true", ' by ticking "Move without its volume data"')
                : errorText}
            </p>
          ) : null}
        </div>
      </Dialog>
    </div>
  );
}
