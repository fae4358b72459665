"use client";

/**
 * The host page's maintenance action: enter (optionally evacuating its workloads) or leave,
 * each confirmed in a dialog naming the host; the latest evacuation's progress, live from
 * `evacuation:update`. Offered only to roles holding hosts.manage (evacuating: migrations.run).
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Wrench } from "lucide-react";
import { useId, useState } from "react";
import { StateBadge } from "@/components/migrations/migration-state";
import { useCan } from "@/components/shell/use-can";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Checkbox, Label, Select } from "@/components/ui/input";
import { ProgressBar } from "@/components/ui/progress";
import { useLiveEvent } from "@/lib/live-socket";
import { errorMessage, useTRPC } from "@/lib/trpc";

interface HostLike {
  id: string;
  name: string;
  status: "online" | "offline" | "maintenance";
}

export function EvacuationProgress({ hostId, name }: { hostId: string; name: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const m = useQuery(trpc.maintenance.get.queryOptions({ hostId }));
  useLiveEvent("evacuation:update", (e) => {
    if (e.hostId === hostId) void queryClient.invalidateQueries(trpc.maintenance.get.queryFilter({ hostId }));
  });
  const e = m.data?.evacuation;
  if (!e || m.data?.status !== "maintenance") return null;
  return (
    <div
      role="status"
      aria-live="polite"
      data-testid="evacuation-progress"
      className="flex flex-wrap items-center gap-2 rounded-md border border-border bg-surface-2/60 px-3 py-1.5 text-xs"
    >
      <span className="font-medium text-fg">Evacuation</span>
      <StateBadge state={e.state} />
      <ProgressBar
        className="w-24"
        value={e.moves.length > 0 ? e.progress : e.state === "planning" ? null : 1}
        label={`Evacuation of ${name}`}
        tone={e.state === "failed" ? "danger" : e.state === "succeeded" ? "ok" : "info"}
      />
      <span className="text-fg-muted tabular-nums">
        {e.movesSucceeded} of {e.moves.length} moved
      </span>
      {e.error ? <span className="text-danger">{e.error}</span> : null}
    </div>
  );
}

export function MaintenanceAction({ host }: { host: HostLike }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canManage = useCan("hosts.manage");
  const canMigrate = useCan("migrations.run");
  const id = useId();
  const [open, setOpen] = useState(false);
  const [evacuate, setEvacuate] = useState(true);
  const [storage, setStorage] = useState<"shared" | "copy">("copy");
  const [acceptVolumeLoss, setAcceptVolumeLoss] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const inMaintenance = host.status === "maintenance";

  const refresh = () => {
    void queryClient.invalidateQueries(trpc.fleet.host.queryFilter({ id: host.id }));
    void queryClient.invalidateQueries(trpc.fleet.hosts.queryFilter());
    void queryClient.invalidateQueries(trpc.maintenance.get.queryFilter({ hostId: host.id }));
  };
  const enter = useMutation(
    trpc.maintenance.enter.mutationOptions({
      onSuccess: (r) => {
        setOpen(false);
        setNote(r.evacuation ? "In maintenance; evacuation started." : "In maintenance.");
        refresh();
      },
    }),
  );
  const leave = useMutation(
    trpc.maintenance.leave.mutationOptions({
      onSuccess: () => {
        setOpen(false);
        setNote("Left maintenance.");
        refresh();
      },
    }),
  );
  if (!canManage) return null;

  const pending = enter.isPending || leave.isPending;
  const error = enter.error ?? leave.error;
  const doEvacuate = evacuate && canMigrate;
  return (
    <div className="flex flex-wrap items-center gap-2">
      <Button
        size="md"
        className="h-8"
        onClick={() => {
          enter.reset();
          leave.reset();
          setNote(null);
          setOpen(true);
        }}
        disabled={pending}
      >
        <Wrench aria-hidden className="size-3.5 text-maint" />
        {inMaintenance ? "Leave maintenance" : "Enter maintenance"}
      </Button>
      {note ? (
        <span role="status" className="text-ok text-xs">
          {note}
        </span>
      ) : null}
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        title={inMaintenance ? `Take ${host.name} out of maintenance?` : `Put ${host.name} into maintenance?`}
        description={
          inMaintenance
            ? "It becomes a placement target again; a running evacuation is cancelled."
            : "No new workload is placed on it. Evacuating moves its VMs (live) and containers (cold) to other hosts."
        }
        footer={
          <>
            <Button onClick={() => setOpen(false)}>Keep as is</Button>
            <Button
              variant="primary"
              disabled={pending}
              onClick={() =>
                inMaintenance
                  ? leave.mutate({ hostId: host.id })
                  : enter.mutate({ hostId: host.id, evacuate: doEvacuate, storage, acceptVolumeLoss })
              }
            >
              {pending
                ? "Working…"
                : inMaintenance
                  ? `Leave maintenance on ${host.name}`
                  : doEvacuate
                    ? `Enter maintenance and evacuate ${host.name}`
                    : `Enter maintenance on ${host.name}`}
            </Button>
          </>
        }
      >
        {!inMaintenance && canMigrate ? (
          <div className="space-y-3 text-sm">
            <div className="flex items-center gap-2">
              <Checkbox id={`${id}-evac`} checked={evacuate} onChange={(e) => setEvacuate(e.target.checked)} />
              <Label htmlFor={`${id}-evac`} className="text-fg text-sm">
                Evacuate its workloads
              </Label>
            </div>
            {evacuate ? (
              <>
                <div className="space-y-1">
                  <Label htmlFor={`${id}-storage`}>VM disks</Label>
                  <Select
                    id={`${id}-storage`}
                    value={storage}
                    onChange={(e) => setStorage(e.target.value as "shared" | "copy")}
                  >
                    <option value="copy">Copy disks to the target</option>
                    <option value="shared">Shared storage (memory only)</option>
                  </Select>
                </div>
                <div className="flex items-center gap-2">
                  <Checkbox
                    id={`${id}-loss`}
                    checked={acceptVolumeLoss}
                    onChange={(e) => setAcceptVolumeLoss(e.target.checked)}
                  />
                  <Label htmlFor={`${id}-loss`} className="text-fg text-sm">
                    Move containers without their volume data
                  </Label>
                </div>
              </>
            ) : null}
          </div>
        ) : null}
        {error ? (
          <p role="alert" className="text-danger text-sm">
            {errorMessage(error)}
          </p>
        ) : null}
      </Dialog>
    </div>
  );
}
