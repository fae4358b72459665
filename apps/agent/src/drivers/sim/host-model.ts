/**
 * A simulated host, generated from a seed: its capacity and the workloads it runs, each with a
 * usage profile. Some hosts come out busy, some nearly empty, as a real fleet before consolidation.
 */
import type { Workload } from "@flotilla/protocol";
import { ARCHETYPES, type Archetype } from "./archetypes.js";
import { between, createRandom, hashParts, hexFrom, pick } from "./random.js";

const GiB = 1024 ** 3;
const DAY_MS = 86_400_000;
/** Fixed origin for generated creation times, so a seed always yields the same inventory. */
const EPOCH_MS = Date.UTC(2025, 0, 1);

export interface UsageProfile {
  seed: number;
  cpuBusy: number;
  memUsed: number;
  netRxBps: number;
  txPerRx: number;
  diskReadBps: number;
  diskWriteBps: number;
  bursty: boolean;
}

export interface SimWorkload {
  workload: Workload;
  profile: UsageProfile;
  /** Made by a command (container.create): its lifecycle belongs to whoever asked, so churn leaves it alone. */
  managed?: boolean;
}

export interface SimHostModel {
  seed: number;
  cores: number;
  memoryBytes: number;
  cpuModel: string;
  /** Hypervisor/OS overhead on top of the workloads. */
  overheadCores: number;
  overheadMemBytes: number;
  workloads: SimWorkload[];
  /** Counts per archetype name, for unique workload names. */
  nextIndex: Map<string, number>;
}

const CAPACITIES = [
  { cores: 16, memoryGiB: [64, 128] },
  { cores: 24, memoryGiB: [128, 192] },
  { cores: 32, memoryGiB: [128, 256] },
  { cores: 48, memoryGiB: [256, 384] },
  { cores: 64, memoryGiB: [256, 384, 512] },
] as const;

const CPU_MODELS = ["AMD EPYC 7543 32-Core Processor", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", "AMD EPYC 9354P"];

export function createWorkload(
  model: SimHostModel,
  archetype: Archetype,
  seed: number,
  createdAt: number,
): SimWorkload {
  const random = createRandom(seed);
  const index = (model.nextIndex.get(archetype.name) ?? 0) + 1;
  model.nextIndex.set(archetype.name, index);
  const hex = hexFrom(seed, 64);
  const id =
    archetype.kind === "container"
      ? hex
      : `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  const memoryBytes = pick(random, archetype.memoryBytes);
  return {
    workload: {
      id,
      name: `${archetype.name}-${index}`,
      kind: archetype.kind,
      driver: "sim",
      state: "running",
      image: archetype.image,
      vcpus: pick(random, archetype.vcpus),
      memoryBytes,
      ports: archetype.ports.map((p) => (p.hostPort ? { ...p, hostPort: p.hostPort + index - 1 } : { ...p })),
      labels: { ...archetype.labels },
      createdAt,
      startedAt: createdAt,
    },
    profile: {
      seed,
      cpuBusy: between(random, ...archetype.cpuBusy),
      memUsed: between(random, ...archetype.memUsed),
      netRxBps: between(random, ...archetype.netRxBps),
      txPerRx: between(random, ...archetype.txPerRx),
      diskReadBps: between(random, ...archetype.diskReadBps),
      diskWriteBps: between(random, ...archetype.diskWriteBps),
      bursty: archetype.bursty,
    },
  };
}

/** Builds a host: capacity first, then workloads until a seeded share of its memory is allotted. */
export function generateHostModel(seed: number): SimHostModel {
  const random = createRandom(hashParts("host", seed));
  const capacity = pick(random, CAPACITIES);
  const model: SimHostModel = {
    seed,
    cores: capacity.cores,
    memoryBytes: pick(random, capacity.memoryGiB) * GiB,
    cpuModel: `${pick(random, CPU_MODELS)} (simulated)`,
    overheadCores: between(random, 0.1, 0.5),
    overheadMemBytes: Math.round(between(random, 1.5, 4) * GiB),
    workloads: [],
    nextIndex: new Map(),
  };
  const targetShare = between(random, 0.1, 0.75);
  let allotted = 0;
  for (let i = 0; i < 40 && (model.workloads.length < 3 || allotted < targetShare * model.memoryBytes); i++) {
    const archetype = pick(random, ARCHETYPES);
    const createdAt = EPOCH_MS - Math.floor(random() * 90 * DAY_MS);
    const sim = createWorkload(model, archetype, hashParts(seed, "workload", i), createdAt);
    if (random() < 0.1) sim.workload.state = archetype.kind === "vm" ? "stopped" : "exited";
    model.workloads.push(sim);
    allotted += sim.workload.memoryBytes ?? 0;
  }
  return model;
}
