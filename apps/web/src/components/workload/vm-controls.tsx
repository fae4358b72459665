"use client";

/**
 * What the workload page adds for a qemu or libvirt VM: the lease badge while it is held (any workload),
 * and for roles that may operate workloads, power actions, memory and snapshots, all disabled
 * while the workload is held.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useRef } from "react";
import { useCan } from "@/components/shell/use-can";
import type { WorkloadDetail } from "@/lib/api-types";
import { useLiveEvent } from "@/lib/live-socket";
import { useTRPC } from "@/lib/trpc";
import { VmCloneDelete } from "./vm-clone-delete";
import { VmLeaseBadge } from "./vm-lease-badge";
import { VmMemory } from "./vm-memory";
import { VmPowerActions } from "./vm-power-actions";
import { VmSnapshots } from "./vm-snapshots";

/** Drivers whose agents take the vm.* power, memory, snapshot, clone and delete commands. */
const VM_CONTROL_DRIVERS: readonly string[] = ["qemu", "libvirt"];

function hasVmControls(w: WorkloadDetail): boolean {
  return w.kind === "vm" && VM_CONTROL_DRIVERS.includes(w.driver) && !w.removedAt;
}

/**
 * A migration of this workload takes or frees its lease: each of its state changes refetches the
 * workload, so the badge (and the disabled actions) follow without a reload.
 */
function useLeaseFollowsMigrations(workloadId: string): void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const seen = useRef<string | null>(null);
  useLiveEvent("migration:update", (e) => {
    if (e.workloadId !== workloadId || seen.current === `${e.id}:${e.state}`) return;
    seen.current = `${e.id}:${e.state}`;
    void queryClient.invalidateQueries(trpc.fleet.workload.queryFilter({ id: workloadId }));
  });
}

/** Below the workload's name: the lease, then the VM actions and memory. */
export function VmHeaderControls({ workload: w }: { workload: WorkloadDetail }) {
  const canOperate = useCan("workloads.operate");
  useLeaseFollowsMigrations(w.id);
  const locked = w.lease !== null;
  return (
    <>
      <VmLeaseBadge lease={w.lease} />
      {hasVmControls(w) && canOperate ? <VmPowerActions workload={w} locked={locked} /> : null}
      {hasVmControls(w) && canOperate ? <VmMemory workload={w} locked={locked} /> : null}
      {hasVmControls(w) && canOperate ? <VmCloneDelete workload={w} locked={locked} /> : null}
    </>
  );
}

/** The snapshots card, for a qemu or libvirt VM and a role that may operate it. */
export function VmSnapshotsSection({ workload: w }: { workload: WorkloadDetail }) {
  const canOperate = useCan("workloads.operate");
  if (!hasVmControls(w) || !canOperate) return null;
  return <VmSnapshots key={w.externalId} workload={w} locked={w.lease !== null} />;
}
