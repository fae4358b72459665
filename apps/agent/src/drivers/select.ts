/**
 * The one place that decides which drivers and host collector an agent runs with.
 * A real host has no workload drivers yet: the docker and qemu drivers will be detected here
 * (Docker socket present, QEMU processes with a QMP socket) when they land.
 */
import type { HostInfo } from "@flotilla/protocol";
import type { HostCollector } from "../collectors/host-collector.js";
import { ProcHostCollector } from "../collectors/host-proc.js";
import type { Driver } from "./driver.js";
import { generateHostModel } from "./sim/host-model.js";
import { SimDriver, type SimDriverOptions } from "./sim/sim-driver.js";
import { SimHostCollector } from "./sim/sim-host-collector.js";

export interface HostRuntime {
  hostCollector: HostCollector;
  drivers: Driver[];
}

export function selectRealHost(stateDir: string): HostRuntime {
  return { hostCollector: new ProcHostCollector({ stateDir }), drivers: [] };
}

export function selectSimHost(
  options: { seed: number; hostname: string; stateDir: string } & SimDriverOptions,
): HostRuntime {
  const model = generateHostModel(options.seed);
  return {
    hostCollector: new SimHostCollector(model, options.hostname, options.stateDir),
    drivers: [new SimDriver(model, options)],
  };
}

/** Host info as sent at enrolment and in full inventories. */
export async function describeHost(runtime: HostRuntime): Promise<HostInfo> {
  const facts = await runtime.hostCollector.hostFacts();
  const drivers = runtime.drivers.map((d) => d.name);
  return { ...facts, drivers: runtime.hostCollector.driver ? [runtime.hostCollector.driver, ...drivers] : drivers };
}
