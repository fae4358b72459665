/**
 * Where each workload of a host entering maintenance goes, from the pure planner: every other
 * online host's capacity (cores, memory from its inventory) and what already runs there (pinned,
 * so only the evacuated workloads move), with the host in maintenance (it must end empty). VMs
 * and containers are planned in two passes because each can only land on a host running its
 * driver; the VMs' planned places count in the containers' pass.
 */
import type { Host, Workload } from "@flotilla/db";
import { PlanError, type PlanInputJson, planConsolidation } from "@flotilla/planner";
import { AppError } from "../errors.js";
import type { PrismaClient } from "../services.js";
import type { EvacuationMove } from "./evacuation-view.js";

const MIB = 1024 * 1024;
/** vCPUs are commonly overcommitted, so an allocation at full capacity is already conservative. */
const POLICY = { cpuHeadroom: 1, memoryHeadroom: 0.9 };

/** Demand: allocations from the inventory. A container without limits is counted by what it was given: nothing. */
function demand(w: Pick<Workload, "kind" | "vcpus" | "memoryBytes">) {
  return {
    cpu: w.vcpus ?? (w.kind === "vm" ? 1 : 0),
    memoryMb: w.memoryBytes === null ? 0 : Number(w.memoryBytes) / MIB,
  };
}

function movable(w: Workload): string | null {
  if (w.kind === "vm" && w.driver !== "qemu") return `${w.name} (a ${w.driver} VM) cannot be live-migrated`;
  if (w.kind === "container" && w.driver !== "docker") return `${w.name} (a ${w.driver} container) cannot be moved`;
  if (w.state !== "running") return `${w.name} is ${w.state}; only running workloads are moved`;
  return null;
}

export async function planEvacuation(prisma: PrismaClient, host: Host): Promise<EvacuationMove[]> {
  const leaving = await prisma.workload.findMany({
    where: { hostId: host.id, removedAt: null },
    orderBy: { name: "asc" },
  });
  const stuck = leaving.map(movable).filter((why): why is string => why !== null);
  if (stuck.length > 0) throw new AppError("invalid", `Cannot evacuate ${host.name}: ${stuck.join("; ")}.`);
  if (leaving.length === 0) return [];
  const others = (
    await prisma.host.findMany({
      where: { orgId: host.orgId, status: "online", id: { not: host.id } },
      include: { workloads: { where: { removedAt: null } } },
    })
  ).filter((h) => h.cpuCores > 0 && h.memoryBytes > 0n);

  const placed = new Map<string, string>();
  for (const kind of ["vm", "container"] as const) {
    const driver = kind === "vm" ? "qemu" : "docker";
    const moving = leaving.filter((w) => w.kind === kind);
    if (moving.length === 0) continue;
    const targets = others.filter((h) => h.drivers.includes(driver));
    if (targets.length === 0)
      throw new AppError("invalid", `Cannot evacuate ${host.name}: no other online host runs the ${driver} driver.`);
    const stays = targets.flatMap((h) => h.workloads.map((w) => ({ w, on: h.id })));
    // VMs planned in the first pass take their room on their new host.
    const arriving = leaving.filter((w) => placed.has(w.id)).map((w) => ({ w, on: placed.get(w.id) as string }));
    const input: PlanInputJson = {
      hosts: [host, ...targets].map((h) => ({
        id: h.id,
        cpu: h.cpuCores,
        memoryMb: Number(h.memoryBytes) / MIB,
        maintenance: h.id === host.id,
      })),
      workloads: [
        ...moving.map((w) => ({ id: w.id, kind, host: host.id, ...demand(w) })),
        ...[...stays, ...arriving]
          .filter(({ on }) => targets.some((t) => t.id === on))
          .map(({ w, on }) => ({ id: w.id, kind: w.kind, host: on, ...demand(w), pinned: true })),
      ],
      policy: POLICY,
    };
    try {
      const plan = planConsolidation(input);
      for (const w of moving) placed.set(w.id, plan.placement[w.id] as string);
    } catch (err) {
      if (!(err instanceof PlanError)) throw err;
      // The planner speaks in row ids; people know the names.
      const names = new Map<string, string>(
        [...[host, ...targets], ...leaving, ...stays.map((s) => s.w)].map((x) => [x.id, x.name]),
      );
      const message = err.message.replace(/[0-9a-f-]{36}/g, (id) => names.get(id) ?? id);
      throw new AppError("invalid", `Cannot evacuate ${host.name}: ${message}.`);
    }
  }
  return leaving.map((w) => ({
    workloadId: w.id,
    name: w.name,
    kind: w.kind,
    toHostId: placed.get(w.id) as string,
    migrationId: null,
    state: "pending",
    error: null,
  }));
}
