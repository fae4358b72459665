/** What the agent needs from whatever measures the host itself: /proc on a real host, a model in sim. */
import type { DriverName, HostInfo, Sample } from "@flotilla/protocol";

/** Host identity and capacity; the agent adds the driver list. */
export type HostFacts = Omit<HostInfo, "drivers">;

export interface HostCollector {
  /** Named in the host's driver list when it is a real source ("proc"); a simulated host has none. */
  readonly driver?: DriverName;
  /** Takes a first reading so the first sample already has rates. */
  start(): Promise<void>;
  hostFacts(): Promise<HostFacts>;
  /**
   * The host's sample for the interval ending now, labelled `ts`. `workloads` are this tick's
   * workload samples (a simulated host derives its own numbers from them; /proc ignores them).
   * Undefined when there is no earlier reading to compute rates from.
   */
  sample(ts: number, workloads: readonly Sample[]): Promise<Sample | undefined>;
}
