/**
 * Applies an agent's inventory to the Host and Workload rows. Full inventories replace the
 * host's picture (workloads not listed are marked removed); deltas add, change or remove.
 * Only rows that actually changed are written, and every state change is recorded.
 */
import type { HostInfo, InventoryFrame, Workload as ReportedWorkload } from "@flotilla/protocol";
import type { PrismaClient } from "../services.js";

type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export interface InventoryResult {
  created: number;
  updated: number;
  removed: number;
  hostChanged: boolean;
}

/** A host whose only metrics source is the `sim` driver (no `proc`) is a simulated one. */
export function isSimulatedHost(drivers: readonly string[]): boolean {
  return drivers.includes("sim") && !drivers.includes("proc");
}

export function hostFields(host: HostInfo) {
  return {
    name: host.hostname,
    cpuModel: host.cpuModel,
    cpuCores: host.cpuCores,
    memoryBytes: BigInt(host.memoryBytes),
    os: host.os,
    kernel: host.kernel,
    arch: host.arch,
    kvm: host.kvm,
    drivers: host.drivers,
    simulated: isSimulatedHost(host.drivers),
  };
}

function workloadFields(w: ReportedWorkload) {
  return {
    kind: w.kind,
    driver: w.driver,
    name: w.name,
    state: w.state,
    image: w.image ?? null,
    vcpus: w.vcpus ?? null,
    memoryBytes: w.memoryBytes === undefined ? null : BigInt(w.memoryBytes),
    ports: w.ports,
    labels: w.labels,
    createdAt: w.createdAt === undefined ? null : new Date(w.createdAt),
    startedAt: w.startedAt === undefined ? null : new Date(w.startedAt),
    removedAt: null,
  };
}

type Fields = ReturnType<typeof workloadFields>;

/** Key-order-independent JSON (jsonb hands objects back with its own key order). */
function stableJson(value: unknown): string {
  if (typeof value === "bigint") return JSON.stringify(value.toString());
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

const COMPARED = [
  "kind",
  "driver",
  "name",
  "state",
  "image",
  "vcpus",
  "memoryBytes",
  "ports",
  "labels",
  "createdAt",
  "startedAt",
  "removedAt",
] as const satisfies ReadonlyArray<keyof Fields>;

function sameFields(stored: Record<(typeof COMPARED)[number], unknown>, reported: Fields): boolean {
  return COMPARED.every((key) => stableJson(stored[key]) === stableJson(reported[key]));
}

export async function applyInventory(
  prisma: PrismaClient,
  hostId: string,
  frame: InventoryFrame,
  now = new Date(),
): Promise<InventoryResult> {
  const result: InventoryResult = { created: 0, updated: 0, removed: 0, hostChanged: false };
  await prisma.$transaction(
    async (tx) => {
      if (frame.host) {
        await tx.host.update({ where: { id: hostId }, data: hostFields(frame.host) });
        result.hostChanged = true;
      }
      const existing = await tx.workload.findMany({ where: { hostId } });
      const byExternalId = new Map(existing.map((w) => [w.externalId, w]));
      const seen = new Set<string>();

      for (const reported of frame.workloads) {
        if (seen.has(reported.id)) continue; // a duplicate id in one frame: first one wins
        seen.add(reported.id);
        const fields = workloadFields(reported);
        const current = byExternalId.get(reported.id);
        if (!current) {
          const created = await tx.workload.create({ data: { hostId, externalId: reported.id, ...fields } });
          await tx.workloadStateChange.create({
            data: { workloadId: created.id, fromState: null, toState: fields.state, at: now },
          });
          result.created += 1;
          continue;
        }
        const id = current.id;
        if (sameFields(current, fields)) continue;
        await tx.workload.update({ where: { id }, data: fields });
        const fromState = current.removedAt ? "removed" : current.state;
        if (fromState !== fields.state) {
          await tx.workloadStateChange.create({ data: { workloadId: id, fromState, toState: fields.state, at: now } });
        }
        result.updated += 1;
      }

      const gone = frame.full
        ? existing.filter((w) => !w.removedAt && !seen.has(w.externalId))
        : frame.removed.flatMap((externalId) => {
            const w = byExternalId.get(externalId);
            return w && !w.removedAt && !seen.has(externalId) ? [w] : [];
          });
      result.removed = await markRemoved(tx, gone, now);
    },
    { timeout: 30_000 },
  );
  return result;
}

async function markRemoved(tx: Tx, workloads: Array<{ id: string; state: string }>, now: Date): Promise<number> {
  if (workloads.length === 0) return 0;
  await tx.workload.updateMany({ where: { id: { in: workloads.map((w) => w.id) } }, data: { removedAt: now } });
  await tx.workloadStateChange.createMany({
    data: workloads.map((w) => ({ workloadId: w.id, fromState: w.state, toState: "removed", at: now })),
  });
  return workloads.length;
}
