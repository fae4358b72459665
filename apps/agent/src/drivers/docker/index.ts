/** The docker driver's face to select.ts: find an engine socket that answers, and make the driver. */
import Dockerode from "dockerode";
import type { Driver } from "../driver.js";
import { DockerDriver, type DockerDriverOptions } from "./docker-driver.js";

export type { DockerDriverOptions } from "./docker-driver.js";
export { DockerDriver } from "./docker-driver.js";

export { DEFAULT_DOCKER_SOCKETS } from "./sockets.js";

/** True when a Docker-compatible engine answers `GET /_ping` on the socket in time. */
export async function pingDockerSocket(socketPath: string, timeoutMs = 2000): Promise<boolean> {
  const docker = new Dockerode({ socketPath });
  // The typings omit ping's options; dockerode passes abortSignal through like everywhere else.
  const ping = docker.ping.bind(docker) as (options: { abortSignal: AbortSignal }) => Promise<unknown>;
  return ping({ abortSignal: AbortSignal.timeout(timeoutMs) }).then(
    () => true,
    () => false,
  );
}

/** The first of `candidates` where an engine answers, or undefined. */
export async function detectDocker(candidates: readonly string[], timeoutMs = 2000): Promise<string | undefined> {
  for (const socketPath of candidates) {
    if (await pingDockerSocket(socketPath, timeoutMs)) return socketPath;
  }
  return undefined;
}

export function createDockerDriver(options: DockerDriverOptions): Driver {
  return new DockerDriver(options);
}
