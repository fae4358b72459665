/** The kinds of workload a simulated host runs, with plausible sizes and usage ranges. */
import type { PortMapping, WorkloadKind } from "@flotilla/protocol";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const MBps = 1_000_000;

type Range = readonly [number, number];

export interface Archetype {
  kind: WorkloadKind;
  name: string;
  image: string;
  /** CPU capacity: VM vcpus or container CPU limit. */
  vcpus: readonly number[];
  memoryBytes: readonly number[];
  /** Average busy fraction of the CPU capacity. */
  cpuBusy: Range;
  /** Fraction of memory in use. */
  memUsed: Range;
  netRxBps: Range;
  /** Transmitted per received byte. */
  txPerRx: Range;
  diskReadBps: Range;
  diskWriteBps: Range;
  /** Adds rare spikes to full capacity (builds, batch jobs). */
  bursty: boolean;
  ports: readonly PortMapping[];
  labels: Readonly<Record<string, string>>;
}

export const ARCHETYPES: readonly Archetype[] = [
  {
    kind: "container",
    name: "nginx",
    image: "nginx:1.27-alpine",
    vcpus: [0.5, 1],
    memoryBytes: [256 * MiB, 512 * MiB],
    cpuBusy: [0.05, 0.3],
    memUsed: [0.2, 0.5],
    netRxBps: [0.5 * MBps, 15 * MBps],
    txPerRx: [2, 8],
    diskReadBps: [0, 0.2 * MBps],
    diskWriteBps: [0.01 * MBps, 0.3 * MBps],
    bursty: false,
    ports: [{ containerPort: 80, hostPort: 8080, protocol: "tcp" }],
    labels: { "com.docker.compose.project": "shop", "com.docker.compose.service": "web" },
  },
  {
    kind: "container",
    name: "postgres",
    image: "postgres:17",
    vcpus: [2, 4],
    memoryBytes: [2 * GiB, 4 * GiB, 8 * GiB],
    cpuBusy: [0.1, 0.45],
    memUsed: [0.4, 0.85],
    netRxBps: [0.2 * MBps, 4 * MBps],
    txPerRx: [1, 4],
    diskReadBps: [1 * MBps, 25 * MBps],
    diskWriteBps: [1 * MBps, 30 * MBps],
    bursty: false,
    ports: [{ containerPort: 5432, hostIp: "127.0.0.1", hostPort: 5432, protocol: "tcp" }],
    labels: { "com.docker.compose.project": "shop", "com.docker.compose.service": "db" },
  },
  {
    kind: "container",
    name: "redis",
    image: "redis:7.4",
    vcpus: [1],
    memoryBytes: [512 * MiB, 1 * GiB, 2 * GiB],
    cpuBusy: [0.05, 0.4],
    memUsed: [0.3, 0.8],
    netRxBps: [1 * MBps, 20 * MBps],
    txPerRx: [0.8, 1.5],
    diskReadBps: [0, 0.05 * MBps],
    diskWriteBps: [0.05 * MBps, 1 * MBps],
    bursty: false,
    ports: [],
    labels: { "com.docker.compose.project": "shop", "com.docker.compose.service": "cache" },
  },
  {
    kind: "container",
    name: "api",
    image: "registry.local/acme/api:2.3.1",
    vcpus: [1, 2],
    memoryBytes: [512 * MiB, 1 * GiB],
    cpuBusy: [0.1, 0.6],
    memUsed: [0.3, 0.7],
    netRxBps: [0.5 * MBps, 8 * MBps],
    txPerRx: [1, 3],
    diskReadBps: [0, 0.1 * MBps],
    diskWriteBps: [0, 0.2 * MBps],
    bursty: false,
    ports: [{ containerPort: 3000, hostPort: 3000, protocol: "tcp" }],
    labels: { "com.docker.compose.project": "shop", "com.docker.compose.service": "api" },
  },
  {
    kind: "container",
    name: "worker",
    image: "registry.local/acme/worker:2.3.1",
    vcpus: [2, 4],
    memoryBytes: [1 * GiB, 2 * GiB],
    cpuBusy: [0.05, 0.3],
    memUsed: [0.2, 0.6],
    netRxBps: [0.1 * MBps, 2 * MBps],
    txPerRx: [0.2, 1],
    diskReadBps: [0, 2 * MBps],
    diskWriteBps: [0, 4 * MBps],
    bursty: true,
    ports: [],
    labels: { "com.docker.compose.project": "shop", "com.docker.compose.service": "worker" },
  },
  {
    kind: "vm",
    name: "vm-web",
    image: "debian-12-genericcloud.qcow2",
    vcpus: [2, 4],
    memoryBytes: [4 * GiB, 8 * GiB],
    cpuBusy: [0.1, 0.4],
    memUsed: [0.4, 0.7],
    netRxBps: [1 * MBps, 20 * MBps],
    txPerRx: [2, 6],
    diskReadBps: [0.1 * MBps, 3 * MBps],
    diskWriteBps: [0.1 * MBps, 2 * MBps],
    bursty: false,
    ports: [],
    labels: { "flotilla.io/template": "debian-12", "flotilla.io/role": "web" },
  },
  {
    kind: "vm",
    name: "vm-db",
    image: "rocky-9.qcow2",
    vcpus: [4, 8],
    memoryBytes: [16 * GiB, 32 * GiB],
    cpuBusy: [0.15, 0.55],
    memUsed: [0.6, 0.9],
    netRxBps: [0.5 * MBps, 10 * MBps],
    txPerRx: [1, 3],
    diskReadBps: [5 * MBps, 60 * MBps],
    diskWriteBps: [2 * MBps, 40 * MBps],
    bursty: false,
    ports: [],
    labels: { "flotilla.io/template": "rocky-9", "flotilla.io/role": "db" },
  },
  {
    kind: "vm",
    name: "vm-build",
    image: "ubuntu-24.04.qcow2",
    vcpus: [8, 16],
    memoryBytes: [16 * GiB, 32 * GiB],
    cpuBusy: [0.02, 0.15],
    memUsed: [0.2, 0.5],
    netRxBps: [0.1 * MBps, 5 * MBps],
    txPerRx: [0.1, 0.5],
    diskReadBps: [0.5 * MBps, 10 * MBps],
    diskWriteBps: [1 * MBps, 20 * MBps],
    bursty: true,
    ports: [],
    labels: { "flotilla.io/template": "ubuntu-24.04", "flotilla.io/role": "ci" },
  },
];
