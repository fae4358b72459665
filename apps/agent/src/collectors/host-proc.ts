/**
 * The real host's metrics and facts, read from /proc (and /etc, /dev/kvm). The parsing lives in
 * proc-parsers.ts; this file does the reading and keeps the previous counters to turn them into
 * rates over the actual time between two readings.
 */
import { readFileSync } from "node:fs";
import { access, readFile } from "node:fs/promises";
import { hostname, machine } from "node:os";
import { join } from "node:path";
import type { Sample } from "@flotilla/protocol";
import { resolveMachineId } from "../state/machine-id.js";
import type { HostCollector, HostFacts } from "./host-collector.js";
import {
  type ByteCounters,
  type CpuTimes,
  parseCpuinfo,
  parseDiskstats,
  parseLoadavg,
  parseMeminfo,
  parseNetDev,
  parseOsRelease,
  parseProcStat,
} from "./proc-parsers.js";
import { cpuBusyFraction, sumRates } from "./rates.js";

interface Reading {
  at: number;
  cpu: CpuTimes;
  cpuCount: number;
  net: Map<string, ByteCounters>;
  disk: Map<string, ByteCounters>;
}

export interface ProcHostCollectorOptions {
  stateDir: string;
  /** Root of the proc, etc and dev trees; "/" on a real host, a fixture dir in tests. */
  root?: string;
}

/** Readings closer together than this give rates too noisy to report (jiffies are 10 ms). */
const MIN_SPAN_MS = 500;

export class ProcHostCollector implements HostCollector {
  readonly driver = "proc" as const;
  private readonly root: string;
  private previous: Reading | undefined;

  constructor(private readonly options: ProcHostCollectorOptions) {
    this.root = options.root ?? "/";
  }

  private read(path: string): Promise<string> {
    return readFile(join(this.root, path), "utf8");
  }

  /**
   * Every tick's reads are synchronous: /proc files are made in memory and never block, and
   * fs/promises' open, fstat, read and close, each a hop through the thread pool, cost several
   * times the CPU (test/bench/agent-resources.bench.ts measures the agent's CPU).
   */
  private readNow(path: string, fallback?: string): string {
    try {
      return readFileSync(join(this.root, path), "utf8");
    } catch (error) {
      if (fallback === undefined) throw error;
      return fallback;
    }
  }

  private readCounters(): Reading {
    const stat = this.readNow("proc/stat");
    const net = this.readNow("proc/net/dev", "");
    const disk = this.readNow("proc/diskstats", "");
    const { total, cpuCount } = parseProcStat(stat);
    return { at: performance.now(), cpu: total, cpuCount, net: parseNetDev(net), disk: parseDiskstats(disk) };
  }

  async start(): Promise<void> {
    this.previous = this.readCounters();
  }

  async sample(ts: number): Promise<Sample | undefined> {
    const current = this.readCounters();
    const meminfo = this.readNow("proc/meminfo");
    const loadavg = this.readNow("proc/loadavg");
    const previous = this.previous;
    if (previous && current.at - previous.at < MIN_SPAN_MS) return undefined;
    this.previous = current;
    if (!previous) return undefined;

    const seconds = (current.at - previous.at) / 1000;
    const busy = cpuBusyFraction(previous.cpu, current.cpu);
    const mem = parseMeminfo(meminfo);
    const net = sumRates(previous.net, current.net, seconds);
    const disk = sumRates(previous.disk, current.disk, seconds);
    return {
      ts,
      target: { kind: "host" },
      cpuCores: busy * current.cpuCount,
      cpuRatio: busy,
      memUsedBytes: mem.totalBytes - mem.availableBytes,
      memTotalBytes: mem.totalBytes,
      netRxBps: net.rx,
      netTxBps: net.tx,
      diskReadBps: disk.rx,
      diskWriteBps: disk.tx,
      load1: parseLoadavg(loadavg),
    };
  }

  async hostFacts(): Promise<HostFacts> {
    const optional = (path: string) => this.read(path).catch(() => "");
    const [cpuinfo, meminfo, osRelease, kernel, stat, kvm] = await Promise.all([
      optional("proc/cpuinfo"),
      this.read("proc/meminfo"),
      optional("etc/os-release").then(async (t) => t || optional("usr/lib/os-release")),
      optional("proc/sys/kernel/osrelease"),
      this.read("proc/stat"),
      access(join(this.root, "dev/kvm")).then(
        () => true,
        () => false,
      ),
    ]);
    const cpu = parseCpuinfo(cpuinfo);
    const etc = this.root === "/" ? undefined : [join(this.root, "etc/machine-id")];
    return {
      machineId: await resolveMachineId(this.options.stateDir, etc),
      hostname: hostname() || "localhost",
      cpuModel: (cpu.model ?? "unknown").slice(0, 255),
      cpuCores: Math.max(1, cpu.processors || parseProcStat(stat).cpuCount),
      memoryBytes: parseMeminfo(meminfo).totalBytes,
      os: (parseOsRelease(osRelease) ?? "Linux").slice(0, 255),
      kernel: kernel.trim().slice(0, 255) || "unknown",
      arch: machine(),
      kvm,
    };
  }
}
