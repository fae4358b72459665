// Seeded synthetic fleets for the benchmark and the quality tests: the same seed always
// gives the same fleet, so figures can be compared from run to run.
import type { Host, PlanInput, Workload } from "./schema.js";

export type DemandProfile = "uniform" | "bimodal" | "heavy-tailed" | "memory-bound" | "cpu-bound";

export interface FleetSpec {
  readonly seed: number;
  readonly workloads: number;
  readonly hosts: number;
  readonly profile: DemandProfile;
  /** Three host sizes instead of one. */
  readonly mixedHostSizes?: boolean;
  /** Share of workloads in anti-affinity groups of 2 to 5. */
  readonly antiAffinityShare?: number;
  readonly pinnedShare?: number;
  readonly maintenanceShare?: number;
  /** Total demand of the scarcer resource as a share of the usable capacity (default 0.5). */
  readonly fill?: number;
}

export const BENCH_POLICY = { cpuHeadroom: 0.8, memoryHeadroom: 0.9 } as const;

/** mulberry32: small, fast, and good enough to draw synthetic fleets. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOST_SIZES = [
  { cpu: 32, memoryMb: 131072 },
  { cpu: 64, memoryMb: 262144 },
  { cpu: 96, memoryMb: 524288 },
] as const;
const REFERENCE = HOST_SIZES[1];

export function generateFleet(spec: FleetSpec): PlanInput {
  const random = seededRandom(spec.seed);
  const hosts = makeHosts(spec, random);
  const demands = scaleDemands(spec, hosts, random);
  const workloads = assignHosts(spec, hosts, demands, random);
  return { hosts, workloads, policy: { ...BENCH_POLICY } };
}

function makeHosts(spec: FleetSpec, random: () => number): Host[] {
  return Array.from({ length: spec.hosts }, (_, i) => {
    const size = spec.mixedHostSizes ? (HOST_SIZES[Math.floor(random() * 3)] ?? REFERENCE) : REFERENCE;
    return { id: `h${i + 1}`, ...size, maintenance: random() < (spec.maintenanceShare ?? 0) };
  });
}

type Demand = [cpu: number, mem: number];

/** One workload's demand as shares of a reference host, by profile. */
function drawDemand(profile: DemandProfile, random: () => number): Demand {
  const between = (lo: number, hi: number) => lo + (hi - lo) * random();
  switch (profile) {
    case "uniform":
      return [between(0.005, 0.08), between(0.005, 0.08)];
    case "bimodal":
      return random() < 0.85 ? [between(0.005, 0.03), between(0.005, 0.03)] : [between(0.08, 0.2), between(0.08, 0.2)];
    case "heavy-tailed": {
      // Pareto with alpha 1.6: most workloads small, a few a large share of a host.
      const x = Math.min(0.45, 0.01 / (1 - random()) ** (1 / 1.6));
      return [x, Math.min(0.45, x * between(0.5, 2))];
    }
    case "memory-bound":
      return [between(0.002, 0.02), between(0.01, 0.09)];
    case "cpu-bound":
      return [between(0.01, 0.09), between(0.002, 0.02)];
  }
}

/** Scales the drawn demands so the scarcer resource fills `fill` of the usable capacity. */
function scaleDemands(spec: FleetSpec, hosts: Host[], random: () => number): Demand[] {
  const raw = Array.from({ length: spec.workloads }, () => drawDemand(spec.profile, random));
  const usable = hosts.filter((h) => !h.maintenance);
  const capCpu = usable.reduce((s, h) => s + h.cpu * BENCH_POLICY.cpuHeadroom, 0);
  const capMem = usable.reduce((s, h) => s + h.memoryMb * BENCH_POLICY.memoryHeadroom, 0);
  const needCpu = raw.reduce((s, d) => s + d[0] * REFERENCE.cpu, 0);
  const needMem = raw.reduce((s, d) => s + d[1] * REFERENCE.memoryMb, 0);
  const scale = (spec.fill ?? 0.5) / Math.max(needCpu / capCpu, needMem / capMem);
  const maxCpu = Math.min(...hosts.map((h) => h.cpu)) * BENCH_POLICY.cpuHeadroom;
  const maxMem = Math.min(...hosts.map((h) => h.memoryMb)) * BENCH_POLICY.memoryHeadroom;
  return raw.map(([cpu, mem]) => [
    Math.max(0.05, Math.round(Math.min(maxCpu, cpu * REFERENCE.cpu * scale) * 100) / 100),
    Math.max(64, Math.round(Math.min(maxMem, mem * REFERENCE.memoryMb * scale))),
  ]);
}

/** Spreads workloads over random hosts within usable capacity, anti-affinity respected. */
function assignHosts(spec: FleetSpec, hosts: Host[], demands: Demand[], random: () => number): Workload[] {
  const cpu = new Float64Array(hosts.length);
  const mem = new Float64Array(hosts.length);
  const groupsOn = new Set<string>();
  const groups = drawGroups(spec, random);
  return demands.map(([c, m], i) => {
    const group = groups[i] ?? null;
    const fits = (h: number) => {
      const host = hosts[h] as Host;
      return (
        (cpu[h] ?? 0) + c <= host.cpu * BENCH_POLICY.cpuHeadroom &&
        (mem[h] ?? 0) + m <= host.memoryMb * BENCH_POLICY.memoryHeadroom &&
        (group === null || !groupsOn.has(`${group}/${h}`))
      );
    };
    let h = Math.floor(random() * hosts.length);
    for (let tries = 0; tries < 50 && !fits(h); tries++) h = Math.floor(random() * hosts.length);
    if (!fits(h))
      h = Math.max(
        0,
        hosts.findIndex((_, j) => fits(j)),
      );
    cpu[h] = (cpu[h] ?? 0) + c;
    mem[h] = (mem[h] ?? 0) + m;
    if (group !== null) groupsOn.add(`${group}/${h}`);
    const host = hosts[h] as Host;
    const pinned = !host.maintenance && random() < (spec.pinnedShare ?? 0);
    return {
      id: `w${i + 1}`,
      kind: random() < 0.6 ? "vm" : "container",
      host: host.id,
      cpu: c,
      memoryMb: m,
      antiAffinity: group,
      pinned,
    };
  });
}

/** Group names per workload index for a share of the workloads, in groups of 2 to 5. */
function drawGroups(spec: FleetSpec, random: () => number): (string | null)[] {
  const out: (string | null)[] = new Array(spec.workloads).fill(null);
  const members = Math.floor(spec.workloads * (spec.antiAffinityShare ?? 0));
  let next = 0;
  for (let g = 1; next < members; g++) {
    const size = 2 + Math.floor(random() * 4);
    for (let k = 0; k < size && next < members; k++) {
      // Spread members over the index range so groups mix with the other workloads.
      out[Math.floor((next * spec.workloads) / Math.max(members, 1))] = `g${g}`;
      next++;
    }
  }
  return out;
}
