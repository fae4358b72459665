/** The host side of a simulated host: facts from its model, metrics summed from its workloads. */
import type { Sample } from "@flotilla/protocol";
import type { HostCollector, HostFacts } from "../../collectors/host-collector.js";
import { persistedMachineId } from "../../state/machine-id.js";
import type { SimHostModel } from "./host-model.js";
import { sampleSimHost } from "./usage.js";

export class SimHostCollector implements HostCollector {
  constructor(
    private readonly model: SimHostModel,
    private readonly hostname: string,
    private readonly stateDir: string,
  ) {}

  async start(): Promise<void> {}

  async hostFacts(): Promise<HostFacts> {
    return {
      // Kept in the host's state dir, so a simulated host stays the same host across restarts.
      machineId: await persistedMachineId(this.stateDir),
      hostname: this.hostname,
      cpuModel: this.model.cpuModel,
      cpuCores: this.model.cores,
      memoryBytes: this.model.memoryBytes,
      os: "Debian GNU/Linux 12 (bookworm)",
      kernel: "6.1.0-28-amd64",
      arch: "x86_64",
      kvm: true,
    };
  }

  async sample(ts: number, workloads: readonly Sample[]): Promise<Sample> {
    return sampleSimHost(this.model, workloads, ts);
  }
}
