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
import { DEFAULT_DOCKER_SOCKETS } from "./docker/sockets.js";
import type { Driver } from "./driver.js";

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

/**
 * One workload driver: whether its runtime answers on this host now, and how to make it. Each
 * driver's modules (dockerode and its dependencies for docker) are imported on first use: an
 * agent told `--drivers qemu` never holds the docker driver's code in its heap.
 */
interface DriverFactory {
  detect(): Promise<boolean>;
  create(): Promise<Driver>;
}

function driverFactories(options: RealHostOptions): Record<WorkloadDriverName, DriverFactory> {
  const dockerCandidates = options.dockerSocket ? [options.dockerSocket] : [...DEFAULT_DOCKER_SOCKETS];
  let dockerSocket: string | undefined;
  const docker = () => import("./docker/index.js");
  const qemu = () => import("./qemu/index.js");
  const libvirt = () => import("./libvirt/index.js");
  return {
    docker: {
      detect: async () => {
        dockerSocket = await (await docker()).detectDocker(dockerCandidates);
        return dockerSocket !== undefined;
      },
      create: async () =>
        (await docker()).createDockerDriver({
          socketPath: dockerSocket ?? dockerCandidates[0] ?? "",
          logger: options.logger,
        }),
    },
    qemu: {
      detect: async () => (await qemu()).detectQemu(),
      create: async () => (await qemu()).createQemuDriver({ stateDir: options.stateDir, logger: options.logger }),
    },
    libvirt: {
      detect: async () => (await libvirt()).detectLibvirt(),
      create: async () => (await libvirt()).createLibvirtDriver({ logger: options.logger, stateDir: options.stateDir }),
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
  for (const [i, name] of wanted.entries()) {
    if (answers[i] || explicit) drivers.push(await factories[name].create());
    if (!answers[i] && explicit) {
      options.logger.warn(`the ${name} runtime does not answer at start-up; starting its driver as configured`);
    }
  }
  options.logger.debug({ drivers: drivers.map((d) => d.name) }, "workload drivers selected");
  return { hostCollector: new ProcHostCollector({ stateDir: options.stateDir }), drivers };
}

/** Host info as sent at enrolment and in full inventories. */
export async function describeHost(runtime: HostRuntime): Promise<HostInfo> {
  const facts = await runtime.hostCollector.hostFacts();
  const drivers = runtime.drivers.map((d) => d.name);
  return { ...facts, drivers: runtime.hostCollector.driver ? [runtime.hostCollector.driver, ...drivers] : drivers };
}
