"use client";

/**
 * What the workload page adds for a qemu VM: the lease badge while it is held (any workload),
 * and for roles that may operate workloads, power actions, memory and snapshots, all disabled
 * while the workload is held.
 */
import { useCan } from "@/components/shell/use-can";
import type { WorkloadDetail } from "@/lib/api-types";
import { VmCloneDelete } from "./vm-clone-delete";
import { VmLeaseBadge } from "./vm-lease-badge";
import { VmMemory } from "./vm-memory";
import { VmPowerActions } from "./vm-power-actions";
import { VmSnapshots } from "./vm-snapshots";

function isQemuVm(w: WorkloadDetail): boolean {
  return w.kind === "vm" && w.driver === "qemu" && !w.removedAt;
}

/** Below the workload's name: the lease, then the VM actions and memory. */
export function VmHeaderControls({ workload: w }: { workload: WorkloadDetail }) {
  const canOperate = useCan("workloads.operate");
  const locked = w.lease !== null;
  return (
    <>
      <VmLeaseBadge lease={w.lease} />
      {isQemuVm(w) && canOperate ? <VmPowerActions workload={w} locked={locked} /> : null}
      {isQemuVm(w) && canOperate ? <VmMemory workload={w} locked={locked} /> : null}
      {isQemuVm(w) && canOperate ? <VmCloneDelete workload={w} locked={locked} /> : null}
    </>
  );
}

/** The snapshots card, for a qemu VM and a role that may operate it. */
export function VmSnapshotsSection({ workload: w }: { workload: WorkloadDetail }) {
  const canOperate = useCan("workloads.operate");
  if (!isQemuVm(w) || !canOperate) return null;
  return <VmSnapshots key={w.externalId} workload={w} locked={w.lease !== null} />;
}
