/**
 * The one interface every workload driver implements (sim today; docker, qemu, libvirt later).
 * A driver owns its workloads' inventory and metrics. Inventory changes are pushed through the
 * listener as they happen (a Docker event, a QMP event, a simulated restart), so the agent can
 * send deltas without polling; `inventory()` gives the full picture on demand.
 */
import type { DriverName, EventFrame, Sample, Workload } from "@flotilla/protocol";
import type { CommandHandlers } from "../commands/handler.js";

export interface InventoryDelta {
  /** Workloads that appeared or changed, in full. */
  changed: Workload[];
  /** Driver ids of workloads that are gone. */
  removed: string[];
}

/** A lifecycle event worth recording on the server (the agent adds id and timestamp). */
export type DriverEvent = Pick<EventFrame, "kind" | "message"> & Partial<Pick<EventFrame, "workloadId" | "data">>;

export interface DriverListener {
  inventoryChanged(delta: InventoryDelta): void;
  event(event: DriverEvent): void;
}

export interface Driver {
  readonly name: DriverName;
  /** Connects to the runtime and starts watching it; changes go to `listener` from now on. */
  start(listener: DriverListener): Promise<void>;
  stop(): Promise<void>;
  /** Every workload the driver currently knows. */
  inventory(): Promise<Workload[]>;
  /** One sample per running workload for the interval ending now, labelled `ts`. */
  sample(ts: number): Promise<Sample[]>;
  /** Workload control, for drivers that support it (the agent answers `unsupported` otherwise). */
  startWorkload?(workloadId: string): Promise<void>;
  stopWorkload?(workloadId: string, force: boolean): Promise<void>;
  /**
   * Commands this driver runs (docker: container.* and image.*), registered by name when the
   * agent starts and announced in hello.capabilities. See commands/handler.ts.
   */
  commandHandlers?(): CommandHandlers;
}
