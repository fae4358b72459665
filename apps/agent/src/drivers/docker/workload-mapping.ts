/**
 * Turning a container as the engine's inspect endpoint describes it (Docker, or Podman's
 * Docker-compatible API) into a protocol Workload. Pure functions over plain JSON, so they are
 * unit-tested against fixtures of both engines.
 */
import type { PortMapping, Workload } from "@flotilla/protocol";

type PortBindings = Record<string, Array<{ HostIp?: string; HostPort?: string }> | null | undefined>;

/** The parts of `GET /containers/{id}/json` the driver reads; both engines send at least these. */
export interface InspectedContainer {
  Id: string;
  Name?: string;
  Created?: string;
  Config?: { Image?: string; Labels?: Record<string, string> | null; ExposedPorts?: Record<string, unknown> | null };
  State?: {
    Status?: string;
    Running?: boolean;
    Paused?: boolean;
    Restarting?: boolean;
    Dead?: boolean;
    Pid?: number;
    ExitCode?: number;
    OOMKilled?: boolean;
    StartedAt?: string;
    FinishedAt?: string;
  };
  HostConfig?: {
    NanoCpus?: number;
    CpuQuota?: number;
    CpuPeriod?: number;
    Memory?: number;
    PortBindings?: PortBindings | null;
  };
  NetworkSettings?: { Ports?: PortBindings | null };
}

type WorkloadState = Workload["state"];

/**
 * Engine states to protocol states. Docker's are the protocol's own; Podman's compat API passes
 * some libpod names through. A container on its way down still runs ("stopping"); one being
 * removed has stopped ("removing").
 */
const ENGINE_STATES: Record<string, WorkloadState> = {
  running: "running",
  paused: "paused",
  restarting: "restarting",
  created: "created",
  exited: "exited",
  dead: "dead",
  removing: "exited",
  configured: "created",
  initialized: "created",
  stopped: "exited",
  stopping: "running",
};

export function normaliseState(state: InspectedContainer["State"] | undefined): WorkloadState {
  const status = state?.Status?.toLowerCase();
  if (status) return ENGINE_STATES[status] ?? "unknown";
  // Very old engines send only the flags.
  if (state?.Dead) return "dead";
  if (state?.Paused) return "paused";
  if (state?.Restarting) return "restarting";
  if (state?.Running) return "running";
  return "unknown";
}

/** An engine timestamp in ms; engines write "0001-01-01T00:00:00Z" for "never". */
export function engineTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** CPU limit in cores: `--cpus` (NanoCpus), else a CFS quota over its period; none when unlimited. */
export function cpuLimit(host: InspectedContainer["HostConfig"]): number | undefined {
  if (host?.NanoCpus && host.NanoCpus > 0) return round3(host.NanoCpus / 1e9);
  if (host?.CpuQuota && host.CpuQuota > 0) return round3(host.CpuQuota / (host.CpuPeriod || 100_000));
  return undefined;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/**
 * Published and exposed ports. A running container's actual bindings (random host ports
 * resolved) are in NetworkSettings; a stopped one only has the requested bindings. Exposed ports
 * without a binding are listed without a host side. SCTP has no place in the protocol.
 */
export function mapPorts(container: InspectedContainer): PortMapping[] {
  const live = container.NetworkSettings?.Ports;
  const bindings = live && Object.keys(live).length > 0 ? live : (container.HostConfig?.PortBindings ?? {});
  const keys = new Set([...Object.keys(bindings), ...Object.keys(container.Config?.ExposedPorts ?? {})]);
  const ports: PortMapping[] = [];
  const seen = new Set<string>();
  for (const key of keys) {
    const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/i.exec(key);
    const containerPort = Number(m?.[1]);
    const protocol = (m?.[2] ?? "tcp").toLowerCase();
    if (!m || containerPort < 1 || containerPort > 65535 || (protocol !== "tcp" && protocol !== "udp")) continue;
    const hosts = bindings[key] ?? [];
    const sides = hosts.length > 0 ? hosts : [{}];
    for (const side of sides) {
      const hostPort = side.HostPort ? Number(side.HostPort) : undefined;
      const port: PortMapping = {
        ...(side.HostIp ? { hostIp: side.HostIp } : {}),
        ...(hostPort !== undefined && Number.isInteger(hostPort) && hostPort <= 65535 ? { hostPort } : {}),
        containerPort,
        protocol,
      };
      const id = `${port.hostIp}|${port.hostPort}|${containerPort}|${protocol}`;
      if (!seen.has(id)) ports.push(port);
      seen.add(id);
    }
  }
  return ports.slice(0, 1000);
}

/** Labels within the protocol's limits; an oversized one is left out rather than sinking the workload. */
function mapLabels(labels: Record<string, string> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (key.length <= 255 && typeof value === "string" && value.length <= 4096) out[key] = value;
  }
  return out;
}

export function toWorkload(container: InspectedContainer): Workload {
  const vcpus = cpuLimit(container.HostConfig);
  const memory = container.HostConfig?.Memory;
  const createdAt = engineTime(container.Created);
  const startedAt = engineTime(container.State?.StartedAt);
  const image = container.Config?.Image;
  return {
    id: container.Id,
    name: (container.Name ?? "").replace(/^\//, "").slice(0, 255) || container.Id.slice(0, 12),
    kind: "container",
    driver: "docker",
    state: normaliseState(container.State),
    ...(image ? { image: image.slice(0, 1000) } : {}),
    ...(vcpus !== undefined ? { vcpus } : {}),
    ...(memory && memory > 0 ? { memoryBytes: memory } : {}),
    ports: mapPorts(container),
    labels: mapLabels(container.Config?.Labels),
    ...(createdAt !== undefined ? { createdAt } : {}),
    ...(startedAt !== undefined ? { startedAt } : {}),
  };
}
