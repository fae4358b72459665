/**
 * The one place that decides which drivers and host collector an agent runs with. A real host
 * gets /proc for itself plus every workload driver whose runtime answers at start-up ("auto"),
 * or exactly the drivers the configuration lists (a listed driver runs even when its runtime is
 * not up yet: the docker driver keeps trying to reach its engine).
 */
import type { HostInfo } from "@flotilla/protocol";
import type { HostCollector } from "../collectors/host-collector.js";
import { ProcHostCollector } from "../collectors/host-proc.js";
import { WORKLOAD_DRIVERS, type WorkloadDriverName } from "../config.js";
import type { Logger } from "../logger.js";
import { createDockerDriver, DEFAULT_DOCKER_SOCKETS, detectDocker } from "./docker/index.js";
import type { Driver } from "./driver.js";
import { createLibvirtDriver, detectLibvirt } from "./libvirt/index.js";
import { createQemuDriver, detectQemu } from "./qemu/index.js";
import { SimDriver, type SimDriverOptions } from "./sim/sim-driver.js";
import { SimHostCollector } from "./sim/sim-host-collector.js";
import { loadSimHostModel } from "./sim/sim-state.js";

export interface HostRuntime {
  hostCollector: HostCollector;
  drivers: Driver[];
}

export interface RealHostOptions {
  stateDir: string;
  /** "auto", or the drivers to run ([] for none). */
  drivers: "auto" | readonly WorkloadDriverName[];
  /** The Docker/Podman API socket; unset: the usual places. */
  dockerSocket?: string;
  logger: Logger;
}

/** One workload driver: whether its runtime answers on this host now, and how to make it. */
interface DriverFactory {
  detect(): Promise<boolean>;
  create(): Driver;
}

function driverFactories(options: RealHostOptions): Record<WorkloadDriverName, DriverFactory> {
  const dockerCandidates = options.dockerSocket ? [options.dockerSocket] : [...DEFAULT_DOCKER_SOCKETS];
  let dockerSocket: string | undefined;
  return {
    docker: {
      detect: async () => {
        dockerSocket = await detectDocker(dockerCandidates);
        return dockerSocket !== undefined;
      },
      create: () =>
        createDockerDriver({ socketPath: dockerSocket ?? dockerCandidates[0] ?? "", logger: options.logger }),
    },
    qemu: {
      detect: () => detectQemu(),
      create: () => createQemuDriver({ stateDir: options.stateDir, logger: options.logger }),
    },
    libvirt: {
      detect: () => detectLibvirt(),
      create: () => createLibvirtDriver({ logger: options.logger }),
    },
  };
}

export async function selectRealHost(options: RealHostOptions): Promise<HostRuntime> {
  const factories = driverFactories(options);
  const explicit = options.drivers !== "auto";
  const wanted = options.drivers === "auto" ? WORKLOAD_DRIVERS : options.drivers;
  // Detection probes sockets and binaries with timeouts of seconds: probe all at once.
  const answers = await Promise.all(wanted.map((name) => factories[name].detect()));
  const drivers: Driver[] = [];
  wanted.forEach((name, i) => {
    if (answers[i] || explicit) drivers.push(factories[name].create());
    if (!answers[i] && explicit) {
      options.logger.warn(`the ${name} runtime does not answer at start-up; starting its driver as configured`);
    }
  });
  options.logger.debug({ drivers: drivers.map((d) => d.name) }, "workload drivers selected");
  return { hostCollector: new ProcHostCollector({ stateDir: options.stateDir }), drivers };
}

export function selectSimHost(
  options: { seed: number; hostname: string; stateDir: string } & SimDriverOptions,
): HostRuntime {
  // As migrations last left it, if they moved anything (sim/sim-state.ts), else from the seed.
  const model = loadSimHostModel(options.seed, options.stateDir);
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
