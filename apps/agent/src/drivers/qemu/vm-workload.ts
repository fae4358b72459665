/** How a qemu VM appears in the protocol: its Workload, and the event a state change is worth. Pure. */
import type { Workload } from "@flotilla/protocol";
import type { DriverEvent } from "../driver.js";
import { type VmDefinition, vmImage } from "./vm-definition.js";
import type { RunState } from "./vm-monitor.js";

export interface LiveFigures {
  vcpus: number;
  memoryBytes: number;
  startedAt: number | undefined;
}

export function toWorkload(def: VmDefinition, state: RunState, live: LiveFigures | undefined): Workload {
  const image = vmImage(def);
  const up = state === "running" || state === "paused";
  return {
    id: def.uuid,
    name: def.name,
    kind: "vm",
    driver: "qemu",
    state,
    ...(image ? { image } : {}),
    vcpus: live?.vcpus ?? def.vcpus,
    memoryBytes: live?.memoryBytes ?? def.memoryMiB * 1024 * 1024,
    ports:
      def.network.mode === "user"
        ? def.network.hostfwd.map((f) => ({
            hostIp: f.hostIp,
            hostPort: f.hostPort,
            containerPort: f.guestPort,
            protocol: f.protocol,
          }))
        : [],
    labels: { ...def.labels },
    createdAt: def.createdAt,
    ...(up && live?.startedAt ? { startedAt: live.startedAt } : {}),
  };
}

/** SHUTDOWN reasons (QMP ShutdownCause) in words. */
const SHUTDOWN_REASONS: Record<string, string> = {
  "guest-shutdown": "the guest powered off",
  "host-qmp-quit": "QEMU was told to quit",
  "host-signal": "QEMU was stopped by a signal",
  "host-ui": "QEMU's window was closed",
  "guest-panic": "the guest panicked",
};

/** The lifecycle event for a state change, or undefined when the change is not one worth recording. */
export function eventForChange(
  def: VmDefinition,
  from: RunState,
  to: RunState,
  detail: { shutdownReason?: string | undefined; unexpectedExit?: boolean } = {},
): DriverEvent | undefined {
  const base = { workloadId: def.uuid };
  switch (to) {
    case "running":
      return from === "paused"
        ? { ...base, kind: "workload.resumed", message: `${def.name} resumed` }
        : { ...base, kind: "workload.started", message: `${def.name} started` };
    case "paused":
      return { ...base, kind: "workload.paused", message: `${def.name} paused` };
    case "stopped": {
      if (detail.unexpectedExit)
        return { ...base, kind: "workload.exited", message: `${def.name}: QEMU exited unexpectedly`, data: { from } };
      const reason = detail.shutdownReason;
      const why = reason ? (SHUTDOWN_REASONS[reason] ?? reason) : "stopped";
      return {
        ...base,
        kind: "workload.stopped",
        message: `${def.name} stopped: ${why}`,
        data: { reason: reason ?? null },
      };
    }
    case "dead":
      return { ...base, kind: "workload.exited", message: `${def.name}: the guest crashed`, data: { from } };
    default:
      return undefined;
  }
}
