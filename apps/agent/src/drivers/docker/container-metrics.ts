/**
 * Per-container counters, read the cheap way when the agent can: the container's cgroup files
 * and /proc/PID/net/dev (cgroup-reader.ts). Otherwise (the engine's processes are in another PID
 * namespace, or cgroup files are hidden) one-shot calls to the engine's stats API.
 * Keeps the previous reading per container to turn counters into rates.
 */
import { readFile } from "node:fs/promises";
import type { Sample } from "@flotilla/protocol";
import type Dockerode from "dockerode";
import type { Logger } from "../../logger.js";
import { type CgroupMounts, parseMountinfo } from "./cgroup-paths.js";
import { type CounterReader, openCgroupReader } from "./cgroup-reader.js";
import { type ContainerCounters, type ContainerLimits, containerSample, type Reading } from "./container-counters.js";
import { countersFromStats, type EngineStats, type StatsApiQuirks } from "./stats-api.js";

/** "auto": cgroup files where readable, else the stats API. The others force one way (tests, benchmarks). */
export type MetricsSource = "auto" | "cgroup" | "api";

export interface MeasuredContainer extends ContainerLimits {
  id: string;
  /** The container's init process as the engine sees it. */
  pid: number;
  /** Host-network containers have no traffic of their own to report. */
  hostNetwork: boolean;
}

interface Tracked extends CounterReader {
  pid: number;
  via: "cgroup" | "api";
  previous?: Reading;
}

/** Readings closer together than this give noisy rates; the older one is kept instead. */
const MIN_SPAN_MS = 500;
const STATS_TIMEOUT_MS = 10_000;
/**
 * Reads in flight at once. High on purpose: Docker answers a one-shot stats call at its stats
 * collector's next 1 s cycle, so calls made together share one wait and calls made in batches
 * wait a second per batch (8 at a time took 7 s for 50 containers).
 */
const CONCURRENCY = 64;

export class ContainerMetrics {
  private mounts: Promise<CgroupMounts> | undefined;
  private readonly tracked = new Map<string, Tracked>();

  constructor(
    private readonly options: {
      docker: Dockerode;
      source: MetricsSource;
      quirks: () => StatsApiQuirks;
      logger: Logger;
    },
  ) {}

  /** How a container is being measured (for logs, tests and benchmarks). */
  sourceOf(id: string): "cgroup" | "api" | undefined {
    return this.tracked.get(id)?.via;
  }

  forget(id: string): void {
    void this.tracked.get(id)?.close();
    this.tracked.delete(id);
  }

  /** Lets go of every container (and its open files). */
  forgetAll(): void {
    for (const id of [...this.tracked.keys()]) this.forget(id);
  }

  /** Starts measuring a container process now, so its first sample a tick later has rates. */
  async track(container: MeasuredContainer): Promise<void> {
    const existing = this.tracked.get(container.id);
    if (existing?.pid === container.pid) return;
    const tracked = await this.resolve(container);
    this.forget(container.id);
    this.tracked.set(container.id, tracked);
    tracked.previous = await this.readNow(tracked).catch(() => undefined);
  }

  /** One sample per container that has an earlier reading; the rest get their first reading. */
  async sample(ts: number, containers: readonly MeasuredContainer[]): Promise<Sample[]> {
    const known = new Set<string>();
    for (let i = 0; i < containers.length; i++) known.add((containers[i] as MeasuredContainer).id);
    // Deleting during forEach is safe: a deleted entry is simply not visited.
    this.tracked.forEach((_, id) => {
      if (!known.has(id)) this.forget(id);
    });

    const results = new Array<Sample | undefined>(containers.length);
    const waiting: number[] = [];
    // Containers read from their cgroup files never wait: one plain loop, no promise per container.
    containers.forEach((c, i) => {
      const tracked = this.tracked.get(c.id);
      if (tracked?.pid === c.pid && tracked.readSync) {
        const readSync = tracked.readSync;
        results[i] = this.next(ts, c, tracked, () => ({ at: performance.now(), counters: readSync() }));
      } else waiting.push(i);
    });
    await mapWithLimit(waiting, CONCURRENCY, async (i) => {
      const c = containers[i] as MeasuredContainer;
      const tracked = this.tracked.get(c.id);
      if (tracked?.pid !== c.pid) {
        await this.track(c).catch((error: unknown) => this.options.logger.debug({ err: error, id: c.id }, "track"));
        return;
      }
      const current = await this.readNow(tracked).catch((error: unknown) => error as Error);
      results[i] = this.next(ts, c, tracked, () => {
        if (current instanceof Error) throw current;
        return current;
      });
    });
    return results.filter((s): s is Sample => s !== undefined);
  }

  /** The sample between the previous reading and `read()`'s, which becomes the previous one. */
  private next(ts: number, c: MeasuredContainer, tracked: Tracked, read: () => Reading): Sample | undefined {
    let current: Reading;
    try {
      current = read();
    } catch (error) {
      // Usually the container stopped between the listing and the read; find it afresh next time.
      this.options.logger.debug({ err: error, id: c.id }, "container counters unreadable");
      this.forget(c.id);
      return undefined;
    }
    const previous = tracked.previous;
    if (previous && current.at - previous.at < MIN_SPAN_MS) return undefined;
    tracked.previous = current;
    return previous ? containerSample(ts, c.id, previous, current, c) : undefined;
  }

  private async readNow(tracked: Tracked): Promise<Reading> {
    const counters = await tracked.read();
    return { at: performance.now(), counters };
  }

  private async resolve(container: MeasuredContainer): Promise<Tracked> {
    const { source } = this.options;
    if (source !== "api") {
      this.mounts ??= readFile("/proc/self/mountinfo", "utf8").then(parseMountinfo);
      const reader = await openCgroupReader(container.pid, container.hostNetwork, await this.mounts).catch(
        (error: unknown) => {
          if (source === "cgroup") throw error;
          this.options.logger.debug({ err: error, id: container.id }, "cgroup files unusable; using the stats API");
          return undefined;
        },
      );
      if (reader) return { ...reader, pid: container.pid, via: "cgroup" };
    }
    return {
      pid: container.pid,
      via: "api",
      read: () => this.readStatsApi(container.id),
      close: async () => {},
    };
  }

  private async readStatsApi(id: string): Promise<ContainerCounters> {
    const options = { stream: false as const, "one-shot": true, abortSignal: AbortSignal.timeout(STATS_TIMEOUT_MS) };
    const stats = (await this.options.docker.getContainer(id).stats(options)) as EngineStats;
    return countersFromStats(stats, this.options.quirks());
  }
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
