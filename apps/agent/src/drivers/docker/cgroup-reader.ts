/**
 * Reads one container's counters straight from the kernel: its cgroup files (v1 or v2, chosen
 * per measurement) and /proc/PID/net/dev of its init process. The files are opened once per
 * container start and re-read in place each tick (a positional read from offset 0 makes cgroup
 * and proc files produce fresh contents): at 50 containers that takes a third of the CPU of
 * opening and closing 250 files every tick. A handle on /proc/PID also never follows a reused
 * PID to another process: once the container's process is gone, reads fail and the driver lets go.
 */
import { readSync } from "node:fs";
import { access, type FileHandle, open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseNetDev } from "../../collectors/proc-parsers.js";
import { blkioBytesV1, cpuNsV1, cpuNsV2, ioBytesV2, memoryUsedV1, memoryUsedV2 } from "./cgroup-files.js";
import {
  CGROUP_RESOURCES,
  type CgroupCandidate,
  type CgroupMounts,
  type CgroupResource,
  cgroupCandidates,
  parseProcCgroup,
} from "./cgroup-paths.js";
import type { ContainerCounters } from "./container-counters.js";

export interface CounterReader {
  read(): Promise<ContainerCounters>;
  /** Present when reading never waits (cgroup files): lets a tick read many containers in one loop. */
  readSync?(): ContainerCounters;
  close(): Promise<void>;
}

/** Opens the container's files; fails (saying why) when they cannot be found or read. */
export async function openCgroupReader(
  pid: number,
  hostNetwork: boolean,
  mounts: CgroupMounts,
): Promise<CounterReader> {
  const proc = join("/proc", String(pid));
  const candidates = cgroupCandidates(mounts, parseProcCgroup(await readFile(join(proc, "cgroup"), "utf8")));
  const [cpu, memory, io] = await Promise.all([
    firstPresent("cpu", candidates.cpu),
    firstPresent("memory", candidates.memory),
    firstPresent("io", candidates.io),
  ]);
  if (!cpu || !memory) throw new Error(`no readable cpu and memory cgroup files for pid ${pid}`);

  const paths = {
    cpu: join(cpu.dir, cpu.version === 1 ? "cpuacct.usage" : "cpu.stat"),
    memUsage: join(memory.dir, memory.version === 1 ? "memory.usage_in_bytes" : "memory.current"),
    memStat: join(memory.dir, "memory.stat"),
    io: io ? join(io.dir, io.version === 1 ? CGROUP_RESOURCES.io.v1Probe : "io.stat") : undefined,
    // Host-network containers share the host's interfaces: no traffic of their own to report.
    net: hostNetwork ? undefined : join(proc, "net", "dev"),
  };
  const handles: FileHandle[] = [];
  const openOne = async (path: string | undefined) => {
    if (!path) return undefined;
    const handle = await open(path, "r");
    handles.push(handle);
    return handle;
  };
  try {
    const [cpuFile, usageFile, statFile, ioFile, netFile] = await Promise.all(
      [paths.cpu, paths.memUsage, paths.memStat, paths.io, paths.net].map(openOne),
    );
    const v1 = (c: CgroupCandidate) => c.version === 1;
    // memory.stat is the largest file read per container and the figure needs one of its lines.
    const inactiveFileKey = v1(memory) ? "total_inactive_file" : "inactive_file";
    const readSync = (): ContainerCounters => {
      const cpuText = cpuFile ? readWhole(cpuFile) : "";
      const usage = usageFile ? readWhole(usageFile) : "";
      const stat = statFile ? readKeyLine(statFile, inactiveFileKey) : "";
      const ioText = ioFile ? readWhole(ioFile) : "";
      const netText = netFile ? readWhole(netFile) : "";
      return {
        cpuNs: v1(cpu) ? cpuNsV1(cpuText) : cpuNsV2(cpuText),
        memUsedBytes: v1(memory) ? memoryUsedV1(usage, stat) : memoryUsedV2(usage, stat),
        disk: !io ? new Map() : v1(io) ? blkioBytesV1(ioText) : ioBytesV2(ioText),
        net: netFile ? parseNetDev(netText) : new Map(),
      };
    };
    const reader: CounterReader = {
      // Synchronous inside (see readWhole); read() for callers that take any reader.
      read: async () => readSync(),
      readSync,
      async close() {
        await Promise.all(handles.map((h) => h.close().catch(() => {})));
      },
    };
    await reader.read(); // fail now, not at the first tick, if anything is unreadable
    return reader;
  } catch (error) {
    await Promise.all(handles.map((h) => h.close().catch(() => {})));
    throw error;
  }
}

// One buffer for every read: cgroup and proc files are small and never block, so a
// synchronous read into a shared buffer costs a quarter of an async read with a fresh buffer
// per file (measured at 50 containers: 4.0 -> 1.05 ms of CPU per tick, far less garbage).
const readBuffer = Buffer.allocUnsafe(64 * 1024);

/**
 * The whole file from offset 0, however long: cgroup and proc files report no size. Decoded as
 * latin1: these files are ASCII, and latin1 skips UTF-8 validation.
 */
function readWhole(handle: FileHandle): string {
  const chunks: Buffer[] = [];
  for (let offset = 0; ; ) {
    const bytesRead = readSync(handle.fd, readBuffer, 0, readBuffer.length, offset);
    offset += bytesRead;
    if (bytesRead < readBuffer.length && chunks.length === 0) return readBuffer.toString("latin1", 0, bytesRead);
    chunks.push(Buffer.from(readBuffer.subarray(0, bytesRead)));
    if (bytesRead < readBuffer.length) break;
  }
  return Buffer.concat(chunks).toString("latin1");
}

/**
 * Only the line of `key` in a flat keyed file (or "" when it has none), decoded from the read
 * buffer without making a string of the rest. Falls back to the whole file when it is larger
 * than the buffer.
 */
export function readKeyLine(handle: FileHandle, key: string): string {
  const bytesRead = readSync(handle.fd, readBuffer, 0, readBuffer.length, 0);
  if (bytesRead === readBuffer.length) return readWhole(handle);
  const data = readBuffer.subarray(0, bytesRead);
  for (let at = data.indexOf(key, 0, "latin1"); at !== -1; at = data.indexOf(key, at + 1, "latin1")) {
    if ((at > 0 && data[at - 1] !== 10) || data[at + key.length] !== 32) continue;
    const end = data.indexOf(10, at);
    return data.toString("latin1", at, end === -1 ? bytesRead : end);
  }
  return "";
}

async function firstPresent(
  resource: CgroupResource,
  candidates: CgroupCandidate[],
): Promise<CgroupCandidate | undefined> {
  const probes = CGROUP_RESOURCES[resource];
  for (const c of candidates) {
    const probe = c.version === 1 ? probes.v1Probe : probes.v2Probe;
    const present = await access(join(c.dir, probe)).then(
      () => true,
      () => false,
    );
    if (present) return c;
  }
  return undefined;
}
