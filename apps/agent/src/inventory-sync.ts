/**
 * Keeps the server's picture of the host's workloads current: a full inventory on every
 * (re)connect, then the drivers' deltas. Deltas that arrive while the full inventory is being
 * gathered are held and sent after it, so a change made during that window is not lost.
 */
import { type DriverName, type InventoryFrame, type Workload, workloadSchema } from "@flotilla/protocol";
import type { HostCollector } from "./collectors/host-collector.js";
import type { Driver, InventoryDelta } from "./drivers/driver.js";
import type { Logger } from "./logger.js";

type Phase = "idle" | "gathering" | "live";

export class InventorySync {
  private phase: Phase = "idle";
  private held: InventoryDelta[] = [];

  constructor(
    private readonly hostCollector: HostCollector,
    private readonly drivers: readonly Driver[],
    private readonly send: (frame: InventoryFrame) => boolean,
    private readonly logger: Logger,
  ) {}

  /** Names for hello and host info: the host source (if real) and every workload driver. */
  get driverNames(): DriverName[] {
    return [...(this.hostCollector.driver ? [this.hostCollector.driver] : []), ...this.drivers.map((d) => d.name)];
  }

  /** Gathers and sends a full inventory; returns the number of workloads, or -1 when the link went down. */
  async sendFull(): Promise<number> {
    this.phase = "gathering";
    const [facts, ...perDriver] = await Promise.all([
      this.hostCollector.hostFacts(),
      ...this.drivers.map((d) =>
        d.inventory().catch((error: unknown) => {
          this.logger.error({ err: error, driver: d.name }, "driver inventory failed");
          return [] as Workload[];
        }),
      ),
    ]);
    if (this.phase !== "gathering") return -1; // disconnected meanwhile
    const workloads = this.valid(perDriver.flat());
    const sent = this.send({
      type: "inventory",
      full: true,
      host: { ...facts, drivers: this.driverNames },
      workloads,
      removed: [],
    });
    if (!sent) {
      this.phase = "idle";
      return -1;
    }
    this.phase = "live";
    const held = this.held;
    this.held = [];
    for (const delta of held) this.sendDelta(delta);
    return workloads.length;
  }

  /** A driver reported a change. */
  onDelta(delta: InventoryDelta): void {
    if (this.phase === "gathering") this.held.push(delta);
    else if (this.phase === "live") this.sendDelta(delta);
    // idle: the full inventory sent on the next connect will include it.
  }

  /** The link went down. */
  reset(): void {
    this.phase = "idle";
    this.held = [];
  }

  get live(): boolean {
    return this.phase === "live";
  }

  private sendDelta(delta: InventoryDelta): void {
    const workloads = this.valid(delta.changed);
    if (workloads.length === 0 && delta.removed.length === 0) return;
    if (!this.send({ type: "inventory", full: false, workloads, removed: delta.removed })) this.reset();
  }

  /** A workload the server would refuse must not sink the whole inventory frame. */
  private valid(workloads: Workload[]): Workload[] {
    return workloads.filter((w) => {
      const ok = workloadSchema.safeParse(w).success;
      if (!ok) this.logger.warn({ workloadId: w.id, driver: w.driver }, "skipping an invalid workload");
      return ok;
    });
  }
}
