/**
 * The `docker` driver: the containers of a Docker Engine, or of Podman's Docker-compatible
 * service, over the engine's unix socket. Inventory comes from one full listing at start and then
 * from the engine's event stream; after the stream breaks, a listing resyncs what was missed
 * (and stands in for the stream on every tick until it is back). Metrics come from
 * ContainerMetrics; commands from command-handlers.ts.
 */
import { isDeepStrictEqual } from "node:util";
import type { Sample, Workload } from "@flotilla/protocol";
import Dockerode from "dockerode";
import type { CommandHandlers } from "../../commands/handler.js";
import type { Logger } from "../../logger.js";
import type { BackoffOptions } from "../../transport/backoff.js";
import type { Driver, DriverEvent, DriverListener } from "../driver.js";
import { dockerCommandHandlers } from "./command-handlers.js";
import { ContainerMetrics, type MeasuredContainer, type MetricsSource, mapWithLimit } from "./container-metrics.js";
import { type EngineEvent, EngineEventStream } from "./engine-events.js";
import { type LifecycleSnapshot, lifecycleEvents, removedEvent, StopIntents, snapshotOf } from "./lifecycle.js";
import { podmanQuirks, type StatsApiQuirks } from "./stats-api.js";
import { type InspectedContainer, toWorkload } from "./workload-mapping.js";

export interface DockerDriverOptions {
  /** The engine's unix socket (Docker's /var/run/docker.sock, Podman's /run/podman/podman.sock). */
  socketPath: string;
  logger: Logger;
  metricsSource?: MetricsSource;
  eventBackoff?: BackoffOptions;
}

interface KnownContainer {
  workload: Workload;
  snapshot: LifecycleSnapshot;
  /** The init process while it runs, else 0. */
  pid: number;
  hostNetwork: boolean;
}

interface Outcome {
  changed: Workload[];
  removed: string[];
  events: DriverEvent[];
}

/** Engine actions after which the container is inspected again (names of both engines). */
const REFRESH_ACTIONS = new Set([
  "create",
  "start",
  "restart",
  "die",
  "died",
  "stop",
  "pause",
  "unpause",
  "rename",
  "update",
  "destroy",
  "remove",
]);

const API_TIMEOUT_MS = 15_000;
const timeout = () => ({ abortSignal: AbortSignal.timeout(API_TIMEOUT_MS) });

export class DockerDriver implements Driver {
  readonly name = "docker" as const;
  private readonly docker: Dockerode;
  private readonly log: Logger;
  private readonly containers = new Map<string, KnownContainer>();
  private readonly stream: EngineEventStream;
  private readonly metrics: ContainerMetrics;
  private readonly stopIntents = new StopIntents();
  private quirks: StatsApiQuirks = {};
  private synced = false;
  private listener: DriverListener | undefined;
  /** Inspections and resyncs run one at a time, in the order the engine reported changes. */
  private queue: Promise<void> = Promise.resolve();

  constructor(options: DockerDriverOptions) {
    this.docker = new Dockerode({ socketPath: options.socketPath });
    this.log = options.logger.child({ driver: "docker", socket: options.socketPath });
    this.metrics = new ContainerMetrics({
      docker: this.docker,
      source: options.metricsSource ?? "auto",
      quirks: () => this.quirks,
      logger: this.log,
    });
    this.stream = new EngineEventStream(
      this.docker,
      {
        onEvent: (event) => this.onEngineEvent(event),
        onConnected: () => void this.enqueue(() => this.resync()),
      },
      this.log,
      options.eventBackoff,
    );
  }

  /** Resolves once the containers are listed, or the engine did not answer (it is retried in the background). */
  async start(listener: DriverListener): Promise<void> {
    this.listener = listener;
    await this.stream.start();
    await this.queue;
  }

  async stop(): Promise<void> {
    this.listener = undefined;
    this.stream.stop();
    await this.queue;
    this.metrics.forgetAll();
  }

  async inventory(): Promise<Workload[]> {
    await this.queue;
    return [...this.containers.values()].map((c) => structuredClone(c.workload));
  }

  async sample(ts: number): Promise<Sample[]> {
    // Without the event stream, a listing per tick keeps "appears within one interval" true.
    if (!this.stream.connected) await this.enqueue(() => this.resync());
    const measured: MeasuredContainer[] = [];
    this.containers.forEach((c) => {
      if (c.pid > 0 && (c.workload.state === "running" || c.workload.state === "paused"))
        measured.push({
          id: c.workload.id,
          pid: c.pid,
          hostNetwork: c.hostNetwork,
          vcpus: c.workload.vcpus,
          memoryBytes: c.workload.memoryBytes,
        });
    });
    return this.metrics.sample(ts, measured);
  }

  /** How a container's metrics are read ("cgroup" or "api"); for tests and benchmarks. */
  metricsSourceOf(id: string): "cgroup" | "api" | undefined {
    return this.metrics.sourceOf(id);
  }

  async startWorkload(workloadId: string): Promise<void> {
    await ignoreNotModified(this.docker.getContainer(workloadId).start(timeout()));
  }

  async stopWorkload(workloadId: string, force: boolean): Promise<void> {
    // Podman sends no kill event for a stop; mark it here so the exit reads as "stopped".
    this.stopIntents.mark(workloadId);
    const container = this.docker.getContainer(workloadId);
    await ignoreNotModified(force ? container.kill(timeout()) : container.stop({ t: 10, ...timeout() }));
  }

  /** container.* and image.* (see command-handlers.ts). */
  commandHandlers(): CommandHandlers {
    return dockerCommandHandlers(this.docker, (id) => this.stopIntents.mark(id));
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(step).catch((error: unknown) => {
      // While the engine is away the event stream has said so once; each tick's resync failing is no news.
      const level = this.stream.connected ? "warn" : "debug";
      this.log[level]({ err: error }, "container engine request failed");
    });
    return this.queue;
  }

  private onEngineEvent(event: EngineEvent): void {
    if (event.Type && event.Type !== "container") return;
    const id = event.Actor?.ID ?? event.id;
    // Docker adds details after a colon ("exec_start: sh", "health_status: healthy").
    const action = (event.Action ?? event.status ?? "").split(":")[0]?.trim() ?? "";
    if (!id) return;
    if (action === "kill") this.stopIntents.mark(id, event.Actor?.Attributes?.signal);
    if (!REFRESH_ACTIONS.has(action)) return;
    void this.enqueue(async () => this.publish(await this.refresh(id, false)));
  }

  /**
   * Lists and inspects every container, forgets the vanished. Rare enough to do in full: at
   * start, after the event stream reconnects, and per tick only while it is down. (A listing
   * alone would miss a restart: the state reads "running" before and after.)
   */
  private async resync(): Promise<void> {
    // The first listing ever is the starting point, not news; later ones report what changed.
    const first = !this.synced;
    // The typings omit version's options; dockerode passes abortSignal through like everywhere else.
    const getVersion = this.docker.version.bind(this.docker) as (o: object) => Promise<Dockerode.DockerVersion>;
    const version = await getVersion(timeout());
    this.quirks = podmanQuirks(version);
    const listed = await this.docker.listContainers({ all: true, ...timeout() });
    const outcome: Outcome = { changed: [], removed: [], events: [] };
    const present = new Set(listed.map((c) => c.Id));
    for (const id of [...this.containers.keys()]) {
      if (!present.has(id)) merge(outcome, this.forget(id));
    }
    const outcomes = await mapWithLimit(listed, 8, (c) => this.refresh(c.Id, first));
    for (const o of outcomes) merge(outcome, o);
    this.publish(outcome);
    this.synced = true;
    if (first) this.log.info({ engine: version.Version, containers: listed.length }, "container engine connected");
  }

  /** Inspects one container and works out what changed since it was last seen. */
  private async refresh(id: string, silent: boolean): Promise<Outcome> {
    let info: InspectedContainer & { HostConfig?: { NetworkMode?: string } };
    try {
      info = await this.docker.getContainer(id).inspect(timeout());
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return this.forget(id);
      throw error;
    }
    const workload = toWorkload(info);
    const snapshot = snapshotOf(info);
    const before = this.containers.get(id);
    const pid = info.State?.Pid && info.State.Pid > 0 ? info.State.Pid : 0;
    const hostNetwork = info.HostConfig?.NetworkMode === "host";
    this.containers.set(id, { workload, snapshot, pid, hostNetwork });

    const stopRequested = this.stopIntents.has(id);
    const events = silent
      ? []
      : lifecycleEvents(before?.snapshot, snapshot, { id, name: workload.name, stopRequested });
    // A finish answers the stop request. A start does not: the start of a run being stopped
    // may be read only after the stop was asked for.
    if (events.some((e) => e.kind === "workload.stopped")) this.stopIntents.clear(id);
    if (pid > 0) {
      await this.metrics
        .track({ id, pid, hostNetwork })
        .catch((error: unknown) => this.log.debug({ err: error, id }, "cannot measure container yet"));
    } else {
      this.metrics.forget(id);
    }
    const changed = !before || !isDeepStrictEqual(before.workload, workload);
    return { changed: changed ? [workload] : [], removed: [], events };
  }

  private forget(id: string): Outcome {
    const known = this.containers.get(id);
    this.metrics.forget(id);
    this.stopIntents.clear(id);
    if (!known) return { changed: [], removed: [], events: [] };
    this.containers.delete(id);
    return { changed: [], removed: [id], events: [removedEvent(id, known.workload.name)] };
  }

  private publish(outcome: Outcome): void {
    if (outcome.changed.length > 0 || outcome.removed.length > 0) {
      this.listener?.inventoryChanged({ changed: outcome.changed, removed: outcome.removed });
    }
    for (const event of outcome.events) this.listener?.event(event);
  }
}

function merge(into: Outcome, from: Outcome): void {
  into.changed.push(...from.changed);
  into.removed.push(...from.removed);
  into.events.push(...from.events);
}

/** Starting a running container or stopping a stopped one is answered 304: nothing to do. */
async function ignoreNotModified(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 304) throw error;
  }
}
