/**
 * Where replicas go: a pure function over hosts (capacity, measured use, reservations, labels,
 * ports) and a replica's request. The reconciler and the placement preview both call it, so a
 * preview shows exactly what a rollout would do.
 */

const GiB = 1024 ** 3;

export type PlacementStrategy = "binpack" | "spread" | "host";

export interface SchedulerHost {
  id: string;
  name: string;
  status: "online" | "offline" | "maintenance";
  labels: Record<string, string>;
  cpuCores: number;
  memoryBytes: number;
  /** Measured by the latest host sample; null when the host has not reported recently. */
  usedCpu: number | null;
  usedMemoryBytes: number | null;
  /**
   * Requests of replicas already placed here that the measurement does not show yet (placed but
   * not started, or using less than they asked for): a replica counts at least what it requested.
   */
  reservedCpu: number;
  reservedMemoryBytes: number;
  /** Host ports taken on this host, as "tcp/8080". */
  usedPorts: string[];
  /** Replicas of the deployment being placed that already run here. */
  replicasHere: number;
}

export interface ReplicaRequest {
  cpus: number;
  memoryBytes: number;
  /** Fixed host ports each replica publishes, as "tcp/8080": two replicas never share a host then. */
  ports: string[];
}

export interface PlacementInput {
  hosts: SchedulerHost[];
  count: number;
  request: ReplicaRequest;
  strategy: PlacementStrategy;
  /** For strategy "host". */
  hostId?: string | null;
  /** Labels a host must carry with equal values. */
  selector?: Record<string, string>;
  /** Share of each host's capacity that may be used (the rest is headroom). */
  headroom?: number;
}

export type PlacementResult = { ok: true; hostIds: string[] } | { ok: false; placed: string[]; message: string };

/** Used when a deployment sets no limit: what a replica is assumed to need. */
export const DEFAULT_REQUEST = { cpus: 0.25, memoryBytes: 256 * 1024 ** 2 } as const;
export const DEFAULT_HEADROOM = 0.9;

interface Candidate {
  host: SchedulerHost;
  freeCpu: number;
  freeMemory: number;
  ports: Set<string>;
  replicas: number;
  usableCpu: number;
  usableMemory: number;
}

export function placeReplicas(input: PlacementInput): PlacementResult {
  const headroom = input.headroom ?? DEFAULT_HEADROOM;
  const { eligible, excluded } = eligibleHosts(input);
  if (eligible.length === 0) {
    return { ok: false, placed: [], message: noHostMessage(input, excluded) };
  }
  const candidates = eligible.map((host) => toCandidate(host, headroom));
  const placed: string[] = [];
  for (let i = 0; i < input.count; i++) {
    const fitting = candidates.filter((c) => fits(c, input.request));
    const best = fitting.sort(compareFor(input.strategy))[0];
    if (!best) {
      const lead = input.count > 1 ? `only ${placed.length} of ${input.count} replicas fit: ` : "";
      return { ok: false, placed, message: lead + noFitMessage(input.request, candidates) };
    }
    best.freeCpu -= input.request.cpus;
    best.freeMemory -= input.request.memoryBytes;
    best.replicas += 1;
    for (const port of input.request.ports) best.ports.add(port);
    placed.push(best.host.id);
  }
  return { ok: true, hostIds: placed };
}

function eligibleHosts(input: PlacementInput) {
  const excluded: string[] = [];
  const eligible = input.hosts.filter((host) => {
    const why = exclusionReason(host, input);
    if (why) excluded.push(`${host.name} ${why}`);
    return why === null;
  });
  return { eligible, excluded };
}

export function exclusionReason(host: SchedulerHost, input: PlacementInput): string | null {
  if (input.strategy === "host" && host.id !== input.hostId) return "is not the chosen host";
  if (host.status !== "online") return `is ${host.status}`;
  const missing = Object.entries(input.selector ?? {}).filter(([k, v]) => host.labels[k] !== v);
  if (missing.length > 0) return `lacks ${missing.map(([k, v]) => `${k}=${v}`).join(", ")}`;
  return null;
}

/** What a host can still take: its capacity less headroom, measured use and reservations. */
export function freeCapacity(host: SchedulerHost, headroom = DEFAULT_HEADROOM) {
  const usableCpu = host.cpuCores * headroom;
  const usableMemory = host.memoryBytes * headroom;
  return {
    usableCpu,
    usableMemory,
    cpu: usableCpu - (host.usedCpu ?? 0) - host.reservedCpu,
    memoryBytes: usableMemory - (host.usedMemoryBytes ?? 0) - host.reservedMemoryBytes,
  };
}

function toCandidate(host: SchedulerHost, headroom: number): Candidate {
  const free = freeCapacity(host, headroom);
  return {
    host,
    usableCpu: free.usableCpu,
    usableMemory: free.usableMemory,
    freeCpu: free.cpu,
    freeMemory: free.memoryBytes,
    ports: new Set(host.usedPorts),
    replicas: host.replicasHere,
  };
}

function fits(c: Candidate, request: ReplicaRequest): boolean {
  return (
    c.freeCpu >= request.cpus &&
    c.freeMemory >= request.memoryBytes &&
    request.ports.every((port) => !c.ports.has(port))
  );
}

/** The larger of the CPU and memory shares in use: a host is as full as its scarcest resource. */
function load(c: Candidate): number {
  const cpu = c.usableCpu > 0 ? 1 - c.freeCpu / c.usableCpu : 1;
  const memory = c.usableMemory > 0 ? 1 - c.freeMemory / c.usableMemory : 1;
  return Math.max(cpu, memory);
}

function compareFor(strategy: PlacementStrategy) {
  return (a: Candidate, b: Candidate): number => {
    // binpack fills the fullest host; spread first avoids hosts with a replica, then the busy ones.
    const order =
      strategy === "binpack"
        ? load(b) - load(a)
        : strategy === "spread"
          ? a.replicas - b.replicas || load(a) - load(b)
          : 0;
    // Ties are broken by name so the same fleet always gives the same placement.
    return order || a.host.name.localeCompare(b.host.name) || a.host.id.localeCompare(b.host.id);
  };
}

function noHostMessage(input: PlacementInput, excluded: string[]): string {
  if (input.hosts.length === 0) return "there are no hosts in this organisation";
  if (input.strategy === "host" && !input.hosts.some((h) => h.id === input.hostId))
    return "the chosen host does not exist";
  const wanted = input.strategy === "host" ? "the chosen host is not usable" : "no host is online and matches";
  const relevant = input.strategy === "host" ? excluded.filter((e) => !e.endsWith("is not the chosen host")) : excluded;
  return `${wanted}: ${relevant.slice(0, 5).join("; ")}${relevant.length > 5 ? `; and ${relevant.length - 5} more` : ""}`;
}

function noFitMessage(request: ReplicaRequest, candidates: Candidate[]): string {
  const need = `${formatCores(request.cpus)} and ${formatBytes(request.memoryBytes)} free after headroom`;
  const ports = request.ports.length > 0 ? ` with ${request.ports.join(", ")} unused` : "";
  const byCpu = [...candidates].sort((a, b) => b.freeCpu - a.freeCpu)[0];
  const byMemory = [...candidates].sort((a, b) => b.freeMemory - a.freeMemory)[0];
  const largest =
    byCpu && byMemory
      ? `; largest free: ${formatCores(Math.max(0, byCpu.freeCpu))} on ${byCpu.host.name}, ${formatBytes(Math.max(0, byMemory.freeMemory))} on ${byMemory.host.name}`
      : "";
  const portBlocked = candidates.filter((c) => request.ports.some((p) => c.ports.has(p))).map((c) => c.host.name);
  const portNote = portBlocked.length > 0 ? `; ports taken on ${portBlocked.slice(0, 5).join(", ")}` : "";
  return `no online host has ${need}${ports}${largest}${portNote}`;
}

export function formatCores(cores: number): string {
  const rounded = Math.round(cores * 100) / 100;
  return `${rounded} ${rounded === 1 ? "core" : "cores"}`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= GiB) return `${Math.round((bytes / GiB) * 10) / 10} GiB`;
  return `${Math.round(bytes / 1024 ** 2)} MiB`;
}
