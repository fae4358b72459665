/**
 * The `sim` driver: a simulated hypervisor with VMs and containers whose usage varies slowly and
 * deterministically (same seed, same fleet). Now and then a workload stops, starts, appears or
 * goes away, so the agent's inventory deltas and events get exercised too.
 */
import type { Sample, Workload } from "@flotilla/protocol";
import type { CommandHandlers } from "../../commands/handler.js";
import type { Driver, DriverEvent, DriverListener } from "../driver.js";
import { ARCHETYPES } from "./archetypes.js";
import { createWorkload, type SimHostModel, type SimWorkload } from "./host-model.js";
import { createRandom, hashParts, pick } from "./random.js";
import { createSimContainerHandlers } from "./sim-containers.js";
import { createSimLogsHandler } from "./sim-logs.js";
import { createSimMigrationHandlers } from "./sim-migration.js";
import { saveSimHostModel } from "./sim-state.js";
import { sampleWorkload } from "./usage.js";

export interface SimDriverOptions {
  /** How often a lifecycle change may happen (0: never). */
  churnEveryMs?: number;
  /** Chance of a change in each churn period. */
  churnProbability?: number;
  /** How often a followed simulated container log gets a line. */
  logLineEveryMs?: number;
  /** Where the host's workloads are saved after a migration moved some (sim-state.ts). */
  stateDir?: string;
}

const MAX_WORKLOADS = 40;

export class SimDriver implements Driver {
  readonly name = "sim" as const;
  private listener: DriverListener | undefined;
  private lastChurnEpoch: number | undefined;
  private readonly churnEveryMs: number;
  private readonly churnProbability: number;
  private readonly logLineEveryMs: number;

  constructor(
    private readonly model: SimHostModel,
    private readonly options: SimDriverOptions = {},
  ) {
    this.churnEveryMs = options.churnEveryMs ?? 120_000;
    this.churnProbability = options.churnProbability ?? 0.3;
    this.logLineEveryMs = options.logLineEveryMs ?? 500;
  }

  commandHandlers(): CommandHandlers {
    const find = (id: string) => this.model.workloads.find((w) => w.workload.id === id);
    const { stateDir } = this.options;
    const deps = {
      model: this.model,
      emit: this.emit.bind(this),
      saveMoved: () => {
        if (stateDir) saveSimHostModel(this.model, stateDir);
      },
    };
    return {
      "container.logs": createSimLogsHandler(find, this.logLineEveryMs),
      ...createSimContainerHandlers(deps),
      ...createSimMigrationHandlers(deps),
    };
  }

  async start(listener: DriverListener): Promise<void> {
    this.listener = listener;
  }

  async stop(): Promise<void> {
    this.listener = undefined;
  }

  async inventory(): Promise<Workload[]> {
    return this.model.workloads.map((w) => structuredClone(w.workload));
  }

  async sample(ts: number): Promise<Sample[]> {
    this.maybeChurn(ts);
    const samples: Sample[] = [];
    for (const w of this.model.workloads) {
      const s = sampleWorkload(w, ts);
      if (s) samples.push(s);
    }
    return samples;
  }

  async startWorkload(workloadId: string): Promise<void> {
    const w = this.find(workloadId);
    if (w.workload.state === "running") return;
    this.setState(w, "running", Date.now());
  }

  async stopWorkload(workloadId: string): Promise<void> {
    const w = this.find(workloadId);
    if (w.workload.state !== "running" && w.workload.state !== "paused") return;
    this.setState(w, w.workload.kind === "vm" ? "stopped" : "exited", Date.now());
  }

  private find(workloadId: string): SimWorkload {
    const w = this.model.workloads.find((x) => x.workload.id === workloadId);
    if (!w) throw new Error(`no workload ${workloadId}`);
    return w;
  }

  private setState(w: SimWorkload, state: Workload["state"], ts: number): void {
    w.workload.state = state;
    if (state === "running") w.workload.startedAt = ts;
    const kind =
      state === "running" ? "workload.started" : w.workload.kind === "vm" ? "workload.stopped" : "workload.exited";
    this.emit({ changed: [w] }, { kind, workloadId: w.workload.id, message: `${w.workload.name} ${state}` });
  }

  private emit(delta: { changed?: SimWorkload[]; removed?: string[] }, event: DriverEvent): void {
    this.listener?.inventoryChanged({
      changed: (delta.changed ?? []).map((w) => structuredClone(w.workload)),
      removed: delta.removed ?? [],
    });
    this.listener?.event(event);
  }

  /** At most one lifecycle change per churn period, decided by the seed and the period number. */
  private maybeChurn(ts: number): void {
    if (this.churnEveryMs <= 0) return;
    const epoch = Math.floor(ts / this.churnEveryMs);
    const previous = this.lastChurnEpoch;
    this.lastChurnEpoch = epoch;
    if (previous === undefined || epoch === previous) return;
    const random = createRandom(hashParts(this.model.seed, "churn", epoch));
    if (random() >= this.churnProbability) return;

    const all = this.model.workloads;
    const unmanaged = all.filter((w) => !w.managed);
    const running = unmanaged.filter((w) => w.workload.state === "running");
    const down = unmanaged.filter((w) => ["stopped", "exited"].includes(w.workload.state));
    const roll = random();
    if (roll < 0.4 && running.length > 1) {
      const w = pick(random, running);
      this.setState(w, w.workload.kind === "vm" ? "stopped" : "exited", ts);
    } else if (roll < 0.8 && down.length > 0) {
      this.setState(pick(random, down), "running", ts);
    } else if (roll < 0.9 && all.length < MAX_WORKLOADS) {
      const archetype = pick(
        random,
        ARCHETYPES.filter((a) => a.kind === "container"),
      );
      const w = createWorkload(this.model, archetype, hashParts(this.model.seed, "created", epoch), ts);
      all.push(w);
      this.emit(
        { changed: [w] },
        { kind: "workload.created", workloadId: w.workload.id, message: `${w.workload.name} created` },
      );
    } else {
      const exited = down.filter((w) => w.workload.kind === "container");
      if (exited.length === 0) return;
      const w = pick(random, exited);
      all.splice(all.indexOf(w), 1);
      this.emit(
        { removed: [w.workload.id] },
        { kind: "workload.removed", workloadId: w.workload.id, message: `${w.workload.name} removed` },
      );
    }
  }
}
