/**
 * Which lifecycle actions a workload offers and the agent command each one sends. Containers
 * of the docker driver use the container.* commands; the sim driver has no container.*
 * handlers for start and stop, which its agent runs as workload.start|stop through the driver
 * (the same path VMs take). Pure functions.
 */
import type { CommandInput } from "@flotilla/protocol";

export type WorkloadAction = "start" | "stop" | "restart" | "remove";

export interface ActionTarget {
  kind: "vm" | "container";
  driver: string;
  externalId: string;
  state: string;
  removedAt: string | null;
}

export const ACTION_LABELS: Record<WorkloadAction, { verb: string; doing: string; done: string }> = {
  start: { verb: "Start", doing: "Starting", done: "Started" },
  stop: { verb: "Stop", doing: "Stopping", done: "Stopped" },
  restart: { verb: "Restart", doing: "Restarting", done: "Restarted" },
  remove: { verb: "Remove", doing: "Removing", done: "Removed" },
};

/** Drivers whose containers the dashboard can act on. */
const CONTAINER_DRIVERS = new Set(["docker", "sim"]);
/** Drivers whose VMs have power actions. */
const VM_DRIVERS = new Set(["qemu", "libvirt", "sim"]);

const RUNNING_LIKE = new Set(["running", "paused", "restarting"]);

/** The actions to offer, in display order; none for a removed workload or an unknown driver. */
export function actionsFor(w: ActionTarget): WorkloadAction[] {
  if (w.removedAt) return [];
  const up = RUNNING_LIKE.has(w.state);
  if (w.kind === "vm") {
    if (!VM_DRIVERS.has(w.driver)) return [];
    return up ? ["stop"] : ["start"];
  }
  if (!CONTAINER_DRIVERS.has(w.driver)) return [];
  return up ? ["stop", "restart", "remove"] : ["start", "remove"];
}

/** The command an action sends. `force`: remove a running container, stop without the grace period. */
export function commandForAction(w: ActionTarget, action: WorkloadAction, force = false): CommandInput {
  const workloadId = w.externalId;
  if (w.kind === "vm" || (w.driver === "sim" && (action === "start" || action === "stop"))) {
    if (action === "start") return { name: "workload.start", payload: { workloadId } };
    if (action === "stop") return { name: "workload.stop", payload: { workloadId, force } };
    throw new Error(`A VM cannot ${action}.`);
  }
  const payload = force ? { workloadId, force: true } : { workloadId };
  switch (action) {
    case "start":
      return { name: "container.start", payload: { workloadId } };
    case "stop":
      return { name: "container.stop", payload };
    case "restart":
      return { name: "container.restart", payload };
    case "remove":
      return { name: "container.remove", payload };
  }
}
