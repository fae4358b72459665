/**
 * Finding a container's cgroup directories from its init process's /proc/PID/cgroup and the
 * agent's /proc/self/mountinfo. Using the process's own cgroup works for every layout without
 * knowing it: Docker's cgroupfs driver (/docker/ID), its systemd driver
 * (/system.slice/docker-ID.scope), Podman's (/libpod_parent/libpod-ID,
 * /machine.slice/libpod-ID.scope), a custom --cgroup-parent, and cgroup v1, v2 or a hybrid of
 * both. Pure functions; the driver does the reading.
 */
import { join, posix } from "node:path";

export interface CgroupMount {
  mountPoint: string;
  /** The cgroup the mount shows as its root ("/" unless the agent is in a cgroup namespace). */
  root: string;
}

export interface CgroupMounts {
  /** v1 hierarchies by controller (cpu, cpuacct, memory, blkio, ...). */
  v1: Map<string, CgroupMount>;
  /** The cgroup2 hierarchy: /sys/fs/cgroup on v2 hosts, /sys/fs/cgroup/unified on hybrid ones. */
  v2?: CgroupMount;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

/** /proc/self/mountinfo: where each cgroup hierarchy is mounted. */
export function parseMountinfo(text: string): CgroupMounts {
  const mounts: CgroupMounts = { v1: new Map() };
  for (const line of text.split("\n")) {
    // id parent major:minor root mount-point options [optional...] - fstype source super-options
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const fields = left.split(" ");
    const [fstype, , superOptions = ""] = right.split(" ");
    const root = fields[3];
    const mountPoint = fields[4];
    if (!root || !mountPoint) continue;
    const mount = { mountPoint: unescapeMountField(mountPoint), root: unescapeMountField(root) };
    if (fstype === "cgroup2") {
      mounts.v2 ??= mount;
    } else if (fstype === "cgroup") {
      for (const option of superOptions.split(",")) {
        if (!mounts.v1.has(option)) mounts.v1.set(option, mount);
      }
    }
  }
  return mounts;
}

export interface ProcessCgroups {
  /** v1: controller -> cgroup path. */
  v1: Map<string, string>;
  /** v2: the unified path ("0::/path"). */
  v2?: string;
}

/** /proc/PID/cgroup: "hierarchy-id:controller,list:path" per line, "0::path" for cgroup2. */
export function parseProcCgroup(text: string): ProcessCgroups {
  const result: ProcessCgroups = { v1: new Map() };
  for (const line of text.split("\n")) {
    const m = /^(\d+):([^:]*):(.+)$/.exec(line.trim());
    if (!m?.[3]) continue;
    const [, id, controllers = "", path] = m;
    if (id === "0" && controllers === "") result.v2 = path;
    else for (const c of controllers.split(",")) if (c) result.v1.set(c, path);
  }
  return result;
}

/** A directory in a mounted hierarchy, or undefined when the path lies outside what the mount shows. */
function dirUnder(mount: CgroupMount, path: string): string | undefined {
  // A path above our cgroup namespace's root ("/../../x") names a cgroup we cannot see.
  if (path.split("/").includes("..")) return undefined;
  const rel = posix.relative(mount.root, path);
  if (rel.startsWith("..") || posix.isAbsolute(rel)) return undefined;
  return join(mount.mountPoint, rel);
}

export type CgroupVersion = 1 | 2;

export interface CgroupCandidate {
  version: CgroupVersion;
  dir: string;
}

/** What is read for each measurement, and the file whose presence says a candidate works. */
export const CGROUP_RESOURCES = {
  cpu: { v1Controller: "cpuacct", v1Probe: "cpuacct.usage", v2Probe: "cpu.stat" },
  memory: { v1Controller: "memory", v1Probe: "memory.usage_in_bytes", v2Probe: "memory.current" },
  io: { v1Controller: "blkio", v1Probe: "blkio.throttle.io_service_bytes_recursive", v2Probe: "io.stat" },
} as const;
export type CgroupResource = keyof typeof CGROUP_RESOURCES;

/**
 * Candidate directories per measurement, v1 first: on a hybrid host the v2 tree exists but its
 * controllers are bound to v1, so only v1 has the numbers (v2's cpu.stat there would do for CPU,
 * but memory.current and io.stat are missing). The driver keeps the first whose probe file exists.
 */
export function cgroupCandidates(
  mounts: CgroupMounts,
  process: ProcessCgroups,
): Record<CgroupResource, CgroupCandidate[]> {
  const candidates = (resource: CgroupResource): CgroupCandidate[] => {
    const out: CgroupCandidate[] = [];
    const { v1Controller } = CGROUP_RESOURCES[resource];
    const mount = mounts.v1.get(v1Controller);
    const path = process.v1.get(v1Controller);
    const v1 = mount && path ? dirUnder(mount, path) : undefined;
    if (v1) out.push({ version: 1, dir: v1 });
    const v2 = mounts.v2 && process.v2 ? dirUnder(mounts.v2, process.v2) : undefined;
    if (v2) out.push({ version: 2, dir: v2 });
    return out;
  };
  return { cpu: candidates("cpu"), memory: candidates("memory"), io: candidates("io") };
}
