/**
 * Migration on simulated hosts, through the same commands the server sends real hosts:
 * the four live-migration steps for VMs (vm.migration.source -> prepare_incoming -> migrate_out
 * -> await_incoming, or abort_incoming) and what a cold migration of a container needs beyond
 * create/remove (container.inspect, container.stop, container.start).
 *
 * Nothing crosses a network: a simulated VM "travels" through a registry shared by every sim
 * host of this agent process (a sim fleet runs all its hosts in one process). migrate_out takes
 * a time that grows with the VM's memory, reporting progress as QEMU's would, then the VM leaves
 * the source's model and joins the target's, keeping its id, name and usage profile. A sim
 * container moved cold keeps its usage profile too (found at create by the label inspect adds).
 * A target that is not in this process gets a clear error instead of a silent success.
 */
import { randomUUID } from "node:crypto";
import type { CommandPayload, VmMigrationProgress } from "@flotilla/protocol";
import { CommandError, type CommandHandlerContext, type CommandHandlers } from "../../commands/handler.js";
import type { DriverEvent } from "../driver.js";
import type { SimHostModel, SimWorkload, UsageProfile } from "./host-model.js";

const GiB = 1024 ** 3;
/** Simulated link speed of the RAM stream: an 8 GiB VM takes ~1 s, none more than 4 s. */
const SIM_BYTES_PER_SEC = 8 * GiB;
const MIN_TRANSFER_MS = 800;
const MAX_TRANSFER_MS = 4_000;
const TICK_MS = 200;
const DEFAULT_INCOMING_TIMEOUT_MS = 10 * 60_000;
/** The port a simulated target "listens" on, for the uri the protocol wants. */
const SIM_MIGRATION_PORT = 49152;

interface Incoming {
  uuid: string;
  workloadId: string;
  target: SimHostModel;
  emit: SimMigrationDeps["emit"];
  saveMoved: SimMigrationDeps["saveMoved"];
  arrived?: { at: number };
  aborted?: string;
  waiters: Array<() => void>;
  timer: NodeJS.Timeout;
}

/** Every sim host of this process: incoming VMs by uuid, and moved containers' profiles. */
const incoming = new Map<string, Incoming>();
const departingContainers = new Map<string, UsageProfile>();

export interface SimMigrationDeps {
  model: SimHostModel;
  emit(delta: { changed?: SimWorkload[]; removed?: string[] }, event: DriverEvent): void;
  /** Saves the host's workloads after a move in or out (sim-state.ts); a no-op without a state dir. */
  saveMoved(): void;
}

/** Containers container.inspect was asked about, i.e. about to move: their removal is saved. */
const inspectedForMove = new Set<string>();

/** Whether removing this container ends its cold migration (then the host is saved). */
export function endsMove(workloadId: string): boolean {
  return inspectedForMove.delete(workloadId);
}

/**
 * The label container.inspect adds to a sim container's config: the source container's id, so
 * the create on the target knows it is a moved container (and whose usage it carries).
 */
export const SIM_MOVED_FROM_LABEL = "flotilla.sim.moved-from";

/** A moved container's profile, once: the create on the target takes it (see sim-containers). */
export function takeDepartingProfile(labels: Record<string, string> | undefined): UsageProfile | undefined {
  const from = labels?.[SIM_MOVED_FROM_LABEL];
  if (from === undefined) return undefined;
  const profile = departingContainers.get(from);
  departingContainers.delete(from);
  return profile;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CommandError("cancelled", "cancelled"));
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CommandError("cancelled", `cancelled (${String(signal.reason ?? "abort")})`));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export function createSimMigrationHandlers({ model, emit, saveMoved }: SimMigrationDeps): CommandHandlers {
  const find = (id: string, kind: "vm" | "container"): SimWorkload => {
    const w = model.workloads.find((x) => x.workload.id === id);
    if (w?.workload.kind !== kind) throw new CommandError("not_found", `No such ${kind}: ${id}`);
    return w;
  };
  const setContainerState = (w: SimWorkload, state: "running" | "exited") => {
    if (w.workload.state === state) return;
    w.workload.state = state;
    if (state === "running") w.workload.startedAt = Date.now();
    const kind = state === "running" ? "workload.started" : "workload.exited";
    emit({ changed: [w] }, { kind, workloadId: w.workload.id, message: `${w.workload.name} ${state}` });
  };

  return {
    "container.inspect": async ({ workloadId }) => {
      const w = find(workloadId, "container");
      const { name, image, vcpus, memoryBytes, ports, labels } = w.workload;
      departingContainers.set(w.workload.id, w.profile);
      inspectedForMove.add(w.workload.id);
      return {
        config: {
          name,
          image: image ?? "busybox:latest",
          ...(vcpus ? { cpus: vcpus } : {}),
          ...(memoryBytes ? { memoryBytes } : {}),
          ports: ports.map(({ containerPort, protocol, hostIp }) => ({
            containerPort,
            protocol,
            ...(hostIp ? { hostIp } : {}),
          })),
          labels: { ...labels, [SIM_MOVED_FROM_LABEL]: w.workload.id },
        },
        // Simulated containers keep no data on their host.
        mounts: [],
      };
    },
    "container.stop": async ({ workloadId }) => {
      setContainerState(find(workloadId, "container"), "exited");
      return { workloadId };
    },
    "container.start": async ({ workloadId }) => {
      setContainerState(find(workloadId, "container"), "running");
      return { workloadId };
    },

    "vm.migration.source": async ({ workloadId }) => {
      const w = find(workloadId, "vm");
      if (w.workload.state !== "running")
        throw new CommandError("command_failed", `${w.workload.name} is ${w.workload.state}, not running`);
      return {
        definition: {
          id: w.workload.id,
          name: w.workload.name,
          vcpus: w.workload.vcpus,
          memoryBytes: w.workload.memoryBytes,
        },
        diskSizes: [],
      };
    },

    "vm.migration.prepare_incoming": async (payload) => prepareIncoming(model, emit, saveMoved, payload),

    "vm.migration.migrate_out": async (payload, ctx) => {
      const w = find(payload.workloadId, "vm");
      const entry = incoming.get(payload.target.uuid);
      if (!entry || entry.aborted) {
        throw new CommandError(
          "command_failed",
          `no simulated host of this agent process awaits ${payload.target.uri}: sim hosts migrate only within one sim fleet`,
        );
      }
      if (entry.workloadId !== w.workload.id)
        throw new CommandError("invalid_command", `${payload.target.uri} awaits another VM`);
      const result = await transfer(w, entry, payload, ctx);
      // Switchover: the VM leaves the source and runs on the target with the same identity.
      model.workloads.splice(model.workloads.indexOf(w), 1);
      emit(
        { removed: [w.workload.id] },
        { kind: "workload.removed", workloadId: w.workload.id, message: `${w.workload.name} migrated away` },
      );
      entry.target.workloads.push(w);
      entry.emit(
        { changed: [w] },
        { kind: "workload.created", workloadId: w.workload.id, message: `${w.workload.name} migrated in` },
      );
      saveMoved();
      entry.saveMoved();
      entry.arrived = { at: Date.now() };
      for (const wake of entry.waiters.splice(0)) wake();
      return result;
    },

    "vm.migration.await_incoming": async ({ workloadId }, ctx) => {
      const entry = [...incoming.values()].find((e) => e.target === model && e.workloadId === workloadId);
      if (!entry) {
        if (model.workloads.some((w) => w.workload.id === workloadId))
          return { arrivedAt: Date.now(), resumedAt: Date.now() };
        throw new CommandError("not_found", `no incoming migration of ${workloadId} on this host`);
      }
      while (!entry.arrived && !entry.aborted) {
        await new Promise<void>((resolve, reject) => {
          entry.waiters.push(resolve);
          ctx.signal.addEventListener("abort", () => reject(new CommandError("cancelled", "cancelled")), {
            once: true,
          });
        });
      }
      forget(entry);
      if (entry.aborted)
        throw new CommandError("command_failed", `the incoming migration was aborted: ${entry.aborted}`);
      return { arrivedAt: entry.arrived?.at ?? Date.now(), resumedAt: entry.arrived?.at ?? null };
    },

    "vm.migration.abort_incoming": async ({ workloadId, reason }) => {
      const entries = [...incoming.values()].filter((e) => e.target === model && e.workloadId === workloadId);
      for (const entry of entries) {
        if (entry.arrived) continue; // it runs here now: aborting would lose it
        entry.aborted = reason ?? "aborted";
        for (const wake of entry.waiters.splice(0)) wake();
        forget(entry);
      }
      return { workloadId, aborted: entries.length };
    },
  };
}

function forget(entry: Incoming): void {
  clearTimeout(entry.timer);
  incoming.delete(entry.uuid);
}

function prepareIncoming(
  model: SimHostModel,
  emit: SimMigrationDeps["emit"],
  saveMoved: SimMigrationDeps["saveMoved"],
  payload: CommandPayload<"vm.migration.prepare_incoming">,
) {
  const workloadId = String(payload.source.definition.id ?? "");
  if (!workloadId) throw new CommandError("invalid_command", "the source definition has no id");
  if (model.workloads.some((w) => w.workload.id === workloadId))
    throw new CommandError("command_failed", `${workloadId} already runs on this host`);
  const uuid = randomUUID();
  const entry: Incoming = {
    uuid,
    workloadId,
    target: model,
    emit,
    saveMoved,
    waiters: [],
    timer: setTimeout(() => {
      entry.aborted = "the VM did not arrive in time";
      for (const wake of entry.waiters.splice(0)) wake();
      forget(entry);
    }, payload.timeoutMs ?? DEFAULT_INCOMING_TIMEOUT_MS),
  };
  entry.timer.unref();
  incoming.set(uuid, entry);
  return { uuid, uri: `tcp:${payload.listenHost}:${payload.port ?? SIM_MIGRATION_PORT}`, storage: payload.storage };
}

/** The RAM stream, simulated: progress like QEMU's query-migrate, cancellable until switchover. */
async function transfer(
  w: SimWorkload,
  entry: Incoming,
  payload: CommandPayload<"vm.migration.migrate_out">,
  ctx: CommandHandlerContext,
) {
  const totalBytes = w.workload.memoryBytes ?? GiB;
  const rate = Math.min(SIM_BYTES_PER_SEC, payload.maxBandwidthBytesPerSec ?? SIM_BYTES_PER_SEC);
  const durationMs = Math.max(MIN_TRANSFER_MS, Math.min(MAX_TRANSFER_MS, (totalBytes / rate) * 1000));
  const started = Date.now();
  const mbps = (totalBytes * 8) / 1e6 / (durationMs / 1000);
  const report = (phase: VmMigrationProgress["phase"], fraction: number) => {
    const transferredBytes = Math.round(totalBytes * fraction);
    const data: VmMigrationProgress & { migrateIssuedAt: number } = {
      phase,
      transferredBytes,
      remainingBytes: totalBytes - transferredBytes,
      totalBytes,
      mbps,
      expectedDowntimeMs: phase === "completed" ? null : 50,
      migrateIssuedAt: started,
    };
    ctx.progress(fraction, `${phase}: ${Math.round(fraction * 100)} %`, data);
  };
  for (let elapsed = 0; elapsed < durationMs; elapsed = Date.now() - started) {
    if (entry.aborted) throw new CommandError("command_failed", `the target gave up: ${entry.aborted}`);
    report("memory", Math.min(0.99, elapsed / durationMs));
    await sleep(TICK_MS, ctx.signal);
  }
  report("switchover", 1);
  const downtimeMs = 40 + Math.round((totalBytes / GiB) * 5);
  report("completed", 1);
  return {
    totalTimeMs: Date.now() - started,
    downtimeMs,
    setupTimeMs: 5,
    transferredBytes: totalBytes,
    diskBytes: 0,
    diskCopyMs: 0,
    storage: payload.target.storage,
    sourceStoppedAt: Date.now() - downtimeMs,
    migrateIssuedAt: started,
  };
}
