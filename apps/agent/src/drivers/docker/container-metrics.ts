/**
 * Per-container counters, read the cheap way when the agent can: the container's cgroup files
 * and /proc/PID/net/dev, found once per container start. Otherwise (the engine's processes are
 * in another PID namespace, or cgroup files are hidden) one-shot calls to the engine's stats API.
 * Keeps the previous reading per container to turn counters into rates.
 */
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Sample } from "@flotilla/protocol";
import type Dockerode from "dockerode";
import { parseNetDev } from "../../collectors/proc-parsers.js";
import type { Logger } from "../../logger.js";
import { blkioBytesV1, cpuNsV1, cpuNsV2, ioBytesV2, memoryUsedV1, memoryUsedV2 } from "./cgroup-files.js";
import {
  CGROUP_RESOURCES,
  type CgroupCandidate,
  type CgroupMounts,
  type CgroupResource,
  cgroupCandidates,
  parseMountinfo,
  parseProcCgroup,
} from "./cgroup-paths.js";
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

interface Tracked {
  pid: number;
  via: "cgroup" | "api";
  read: () => Promise<ContainerCounters>;
  previous?: Reading;
}

/** Readings closer together than this give noisy rates; the older one is kept instead. */
const MIN_SPAN_MS = 500;
const STATS_TIMEOUT_MS = 10_000;
/** Stats API calls in flight at once: each costs the engine a cgroup read and a JSON document. */
const API_CONCURRENCY = 8;

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
    this.tracked.delete(id);
  }

  /** Starts measuring a container process now, so its first sample a tick later has rates. */
  async track(container: MeasuredContainer): Promise<void> {
    const existing = this.tracked.get(container.id);
    if (existing?.pid === container.pid) return;
    const tracked = await this.resolve(container);
    this.tracked.set(container.id, tracked);
    tracked.previous = await this.readNow(tracked).catch(() => undefined);
  }

  /** One sample per container that has an earlier reading; the rest get their first reading. */
  async sample(ts: number, containers: readonly MeasuredContainer[]): Promise<Sample[]> {
    const known = new Set(containers.map((c) => c.id));
    for (const id of this.tracked.keys()) if (!known.has(id)) this.tracked.delete(id);

    const results = await mapWithLimit(containers, API_CONCURRENCY, async (c) => {
      const tracked = this.tracked.get(c.id);
      if (tracked?.pid !== c.pid) {
        await this.track(c).catch((error: unknown) => this.options.logger.debug({ err: error, id: c.id }, "track"));
        return undefined;
      }
      let current: Reading;
      try {
        current = await this.readNow(tracked);
      } catch (error) {
        // Usually the container stopped between the listing and the read; find it afresh next time.
        this.options.logger.debug({ err: error, id: c.id }, "container counters unreadable");
        this.tracked.delete(c.id);
        return undefined;
      }
      const previous = tracked.previous;
      if (previous && current.at - previous.at < MIN_SPAN_MS) return undefined;
      tracked.previous = current;
      return previous ? containerSample(ts, c.id, previous, current, c) : undefined;
    });
    return results.filter((s): s is Sample => s !== undefined);
  }

  private async readNow(tracked: Tracked): Promise<Reading> {
    const counters = await tracked.read();
    return { at: performance.now(), counters };
  }

  private async resolve(container: MeasuredContainer): Promise<Tracked> {
    const { source } = this.options;
    if (source !== "api") {
      const read = await this.cgroupReader(container).catch((error: unknown) => {
        if (source === "cgroup") throw error;
        this.options.logger.debug({ err: error, id: container.id }, "cgroup files unusable; using the stats API");
        return undefined;
      });
      if (read) return { pid: container.pid, via: "cgroup", read };
    }
    return { pid: container.pid, via: "api", read: () => this.readStatsApi(container.id) };
  }

  private async readStatsApi(id: string): Promise<ContainerCounters> {
    const options = { stream: false as const, "one-shot": true, abortSignal: AbortSignal.timeout(STATS_TIMEOUT_MS) };
    const stats = (await this.options.docker.getContainer(id).stats(options)) as EngineStats;
    return countersFromStats(stats, this.options.quirks());
  }

  /** A reader of the container's own cgroup files, or an error saying why there is none. */
  private async cgroupReader(container: MeasuredContainer): Promise<() => Promise<ContainerCounters>> {
    this.mounts ??= readFile("/proc/self/mountinfo", "utf8").then(parseMountinfo);
    const proc = join("/proc", String(container.pid));
    const [mounts, cgroupText] = await Promise.all([this.mounts, readFile(join(proc, "cgroup"), "utf8")]);
    const candidates = cgroupCandidates(mounts, parseProcCgroup(cgroupText));
    const [cpu, memory, io] = await Promise.all([
      firstPresent("cpu", candidates.cpu),
      firstPresent("memory", candidates.memory),
      firstPresent("io", candidates.io),
    ]);
    if (!cpu || !memory) throw new Error(`no readable cpu and memory cgroup files for pid ${container.pid}`);
    const netDev = join(proc, "net", "dev");
    if (!container.hostNetwork) await access(netDev);

    const text = (dir: string, file: string) => readFile(join(dir, file), "utf8");
    return async () => {
      const [cpuNs, memUsedBytes, disk, net] = await Promise.all([
        cpu.version === 1 ? text(cpu.dir, "cpuacct.usage").then(cpuNsV1) : text(cpu.dir, "cpu.stat").then(cpuNsV2),
        memory.version === 1
          ? Promise.all([text(memory.dir, "memory.usage_in_bytes"), text(memory.dir, "memory.stat")]).then(([u, s]) =>
              memoryUsedV1(u, s),
            )
          : Promise.all([text(memory.dir, "memory.current"), text(memory.dir, "memory.stat")]).then(([u, s]) =>
              memoryUsedV2(u, s),
            ),
        !io
          ? new Map()
          : io.version === 1
            ? text(io.dir, CGROUP_RESOURCES.io.v1Probe).then(blkioBytesV1)
            : text(io.dir, "io.stat").then(ioBytesV2),
        container.hostNetwork ? new Map() : readFile(netDev, "utf8").then(parseNetDev),
      ]);
      return { cpuNs, memUsedBytes, disk, net };
    };
  }
}

async function firstPresent(
  resource: CgroupResource,
  candidates: CgroupCandidate[],
): Promise<CgroupCandidate | undefined> {
  const probes = CGROUP_RESOURCES[resource];
  for (const c of candidates) {
    const probe = c.version === 1 ? probes.v1Probe : probes.v2Probe;
    if (await access(join(c.dir, probe)).then(
      () => true,
      () => false,
    ))
      return c;
  }
  return undefined;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapWithLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
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
