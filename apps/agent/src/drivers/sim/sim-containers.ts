/**
 * `container.create` and `container.remove` for simulated hosts, so deployments and stacks can be
 * exercised on a sim fleet. A created container joins the host model (it is in the inventory and
 * produces metrics like the generated ones); names and host ports must be free, as Docker insists.
 */
import type { CommandPayload, PortMapping, Workload } from "@flotilla/protocol";
import { CommandError, type CommandHandlers } from "../../commands/handler.js";
import type { DriverEvent } from "../driver.js";
import type { SimHostModel, SimWorkload } from "./host-model.js";
import { between, createRandom, hashParts, hexFrom } from "./random.js";
import { endsMove, SIM_MOVED_FROM_LABEL, takeDepartingProfile } from "./sim-migration.js";

const MiB = 1024 ** 2;
/** What a container without limits looks like to the simulation (Docker would let it use the host). */
const DEFAULT_VCPUS = 1;
const DEFAULT_MEMORY_BYTES = 256 * MiB;
/** Where Docker's ephemeral host ports start. */
const FIRST_EPHEMERAL_PORT = 32768;

export interface SimContainerDeps {
  model: SimHostModel;
  emit(delta: { changed?: SimWorkload[]; removed?: string[] }, event: DriverEvent): void;
  /** Saves the host after a cold migration's create or remove (sim-state.ts). */
  saveMoved?(): void;
}

export function createSimContainerHandlers({ model, emit, saveMoved }: SimContainerDeps): CommandHandlers {
  const find = (id: string) => model.workloads.find((w) => w.workload.id === id);
  return {
    "container.create": async (payload, ctx) => {
      const w = createContainer(model, payload, hashParts(model.seed, "create", ctx.commandId));
      model.workloads.push(w);
      if (w.workload.labels[SIM_MOVED_FROM_LABEL] !== undefined) saveMoved?.();
      emit(
        { changed: [w] },
        { kind: "workload.created", workloadId: w.workload.id, message: `${w.workload.name} created` },
      );
      return { workloadId: w.workload.id, name: w.workload.name, started: payload.start, warnings: [] };
    },
    "container.remove": async ({ workloadId, force }) => {
      const w = find(workloadId);
      if (w?.workload.kind !== "container") throw new CommandError("not_found", `No such container: ${workloadId}`);
      if (w.workload.state === "running" && !force) {
        throw new CommandError(
          "command_failed",
          `cannot remove container "/${w.workload.name}": container is running: stop the container before removing or force remove`,
        );
      }
      model.workloads.splice(model.workloads.indexOf(w), 1);
      if (endsMove(workloadId)) saveMoved?.();
      emit(
        { removed: [w.workload.id] },
        { kind: "workload.removed", workloadId, message: `${w.workload.name} removed` },
      );
      return { workloadId };
    },
  };
}

function createContainer(model: SimHostModel, payload: CommandPayload<"container.create">, seed: number): SimWorkload {
  const random = createRandom(seed);
  const id = hexFrom(seed, 64);
  let name = payload.name ?? `sim_${id.slice(0, 12)}`;
  // A container moved here cold (sim-migration.ts) keeps its usage. Generated sim names repeat
  // across hosts (nginx-1 on many), which a real fleet avoids: an arrival whose name is taken
  // here gets this host's suffix rather than failing as Docker would.
  const moved = takeDepartingProfile(payload.labels);
  const taken = (n: string) => model.workloads.some((w) => w.workload.name === n);
  if (moved && taken(name)) {
    const base = `${name}-${hexFrom(model.seed, 4)}`;
    name = base;
    for (let n = 2; taken(name); n++) name = `${base}-${n}`;
  }
  const holder = model.workloads.find((w) => w.workload.name === name);
  if (holder) {
    throw new CommandError(
      "command_failed",
      `Conflict. The container name "/${name}" is already in use by container "${holder.workload.id}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
  }
  const now = Date.now();
  const workload: Workload = {
    id,
    name,
    kind: "container",
    driver: "sim",
    state: payload.start ? "running" : "created",
    image: payload.image,
    vcpus: payload.cpus ?? DEFAULT_VCPUS,
    memoryBytes: payload.memoryBytes ?? DEFAULT_MEMORY_BYTES,
    ports: bindPorts(model, payload.ports),
    labels: { ...payload.labels },
    createdAt: now,
    ...(payload.start ? { startedAt: now } : {}),
  };
  return {
    workload,
    managed: true,
    // A quiet service: a little CPU, a steady share of its memory.
    profile: moved ?? {
      seed,
      cpuBusy: between(random, 0.02, 0.15),
      memUsed: between(random, 0.2, 0.5),
      netRxBps: between(random, 10_000, 500_000),
      txPerRx: between(random, 1, 4),
      diskReadBps: between(random, 0, 50_000),
      diskWriteBps: between(random, 0, 100_000),
      bursty: false,
    },
  };
}

/** The requested ports with ephemeral ones chosen; a host port another running container holds fails. */
function bindPorts(model: SimHostModel, requested: CommandPayload<"container.create">["ports"]): PortMapping[] {
  const taken = new Set(
    model.workloads
      .filter((w) => w.workload.state === "running")
      .flatMap((w) => w.workload.ports.map((p) => `${p.protocol}/${p.hostPort ?? 0}`)),
  );
  let next = FIRST_EPHEMERAL_PORT;
  return requested.map((p) => {
    let hostPort = p.hostPort ?? 0;
    if (hostPort === 0) {
      while (taken.has(`${p.protocol}/${next}`)) next += 1;
      hostPort = next;
    } else if (taken.has(`${p.protocol}/${hostPort}`)) {
      const address = `${p.hostIp ?? "0.0.0.0"}:${hostPort}`;
      throw new CommandError("command_failed", `Bind for ${address} failed: port is already allocated`);
    }
    taken.add(`${p.protocol}/${hostPort}`);
    return { ...p, hostPort };
  });
}
