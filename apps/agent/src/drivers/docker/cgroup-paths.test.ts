import { describe, expect, it } from "vitest";
import { cgroupCandidates, parseMountinfo, parseProcCgroup } from "./cgroup-paths.js";

const ID = "1212dff97fdd16789f9c33e9169ed66c71bc89aabf1dcae30505fcda302d38f7";

/** This machine: v1 controllers each on their own mount, plus an empty v2 tree at /unified. */
const HYBRID_MOUNTINFO = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

/** A systemd v1 host: cpu and cpuacct share a mount; optional "shared:" fields before the dash. */
const SYSTEMD_V1_MOUNTINFO = `25 24 0:22 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,xattr,name=systemd
28 24 0:25 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,cpu,cpuacct
29 24 0:26 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,memory
30 24 0:27 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,blkio
`;

const V2_MOUNTINFO = `29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;

const DOCKER_CGROUPFS_HYBRID = `9:name=systemd:/docker/${ID}
7:blkio:/docker/${ID}
4:memory:/docker/${ID}
2:cpuacct:/docker/${ID}
1:cpu:/docker/${ID}
0::/docker/${ID}
`;

describe("parseMountinfo", () => {
  it("maps each v1 controller to its mount and finds the v2 tree of a hybrid host", () => {
    const mounts = parseMountinfo(HYBRID_MOUNTINFO);
    expect(mounts.v1.get("cpuacct")).toEqual({ mountPoint: "/sys/fs/cgroup/cpuacct", root: "/" });
    expect(mounts.v1.get("memory")?.mountPoint).toBe("/sys/fs/cgroup/memory");
    expect(mounts.v1.get("name=systemd")?.mountPoint).toBe("/sys/fs/cgroup/systemd");
    expect(mounts.v1.has("tmpfs")).toBe(false);
    expect(mounts.v2).toEqual({ mountPoint: "/sys/fs/cgroup/unified", root: "/" });
  });

  it("handles co-mounted controllers, optional fields and escaped mount points", () => {
    const mounts = parseMountinfo(
      `${SYSTEMD_V1_MOUNTINFO}40 24 0:40 / /mnt/my\\040cgroups rw - cgroup cgroup rw,pids\n`,
    );
    expect(mounts.v1.get("cpu")?.mountPoint).toBe("/sys/fs/cgroup/cpu,cpuacct");
    expect(mounts.v1.get("cpuacct")?.mountPoint).toBe("/sys/fs/cgroup/cpu,cpuacct");
    expect(mounts.v1.get("pids")?.mountPoint).toBe("/mnt/my cgroups");
    expect(mounts.v2).toBeUndefined();
  });

  it("reads a pure v2 host", () => {
    const mounts = parseMountinfo(V2_MOUNTINFO);
    expect(mounts.v1.size).toBe(0);
    expect(mounts.v2?.mountPoint).toBe("/sys/fs/cgroup");
  });
});

describe("parseProcCgroup", () => {
  it("splits v1 controller lists and the v2 line", () => {
    const cg = parseProcCgroup("5:cpu,cpuacct:/a\n0::/b\n12:name=systemd:/c\n");
    expect(cg.v1.get("cpu")).toBe("/a");
    expect(cg.v1.get("cpuacct")).toBe("/a");
    expect(cg.v1.get("name=systemd")).toBe("/c");
    expect(cg.v2).toBe("/b");
  });
});

describe("cgroupCandidates", () => {
  it("prefers v1 on a hybrid host and still offers v2 (Docker, cgroupfs driver)", () => {
    const c = cgroupCandidates(parseMountinfo(HYBRID_MOUNTINFO), parseProcCgroup(DOCKER_CGROUPFS_HYBRID));
    expect(c.cpu).toEqual([
      { version: 1, dir: `/sys/fs/cgroup/cpuacct/docker/${ID}` },
      { version: 2, dir: `/sys/fs/cgroup/unified/docker/${ID}` },
    ]);
    expect(c.memory[0]).toEqual({ version: 1, dir: `/sys/fs/cgroup/memory/docker/${ID}` });
    expect(c.io[0]).toEqual({ version: 1, dir: `/sys/fs/cgroup/blkio/docker/${ID}` });
  });

  it("follows Docker's systemd driver on a v1 host", () => {
    const proc = `12:memory:/system.slice/docker-${ID}.scope\n4:cpu,cpuacct:/system.slice/docker-${ID}.scope\n3:blkio:/system.slice/docker-${ID}.scope\n1:name=systemd:/system.slice/docker-${ID}.scope\n`;
    const c = cgroupCandidates(parseMountinfo(SYSTEMD_V1_MOUNTINFO), parseProcCgroup(proc));
    expect(c.cpu).toEqual([{ version: 1, dir: `/sys/fs/cgroup/cpu,cpuacct/system.slice/docker-${ID}.scope` }]);
    expect(c.memory).toEqual([{ version: 1, dir: `/sys/fs/cgroup/memory/system.slice/docker-${ID}.scope` }]);
  });

  it("follows Podman's layouts: cgroupfs on a hybrid host, systemd on v2", () => {
    const hybrid = cgroupCandidates(
      parseMountinfo(HYBRID_MOUNTINFO),
      parseProcCgroup(
        `4:memory:/libpod_parent/libpod-${ID}\n2:cpuacct:/libpod_parent/libpod-${ID}\n0::/libpod_parent/libpod-${ID}\n`,
      ),
    );
    expect(hybrid.memory[0]?.dir).toBe(`/sys/fs/cgroup/memory/libpod_parent/libpod-${ID}`);
    const v2 = cgroupCandidates(
      parseMountinfo(V2_MOUNTINFO),
      parseProcCgroup(`0::/machine.slice/libpod-${ID}.scope/container\n`),
    );
    expect(v2.cpu).toEqual([{ version: 2, dir: `/sys/fs/cgroup/machine.slice/libpod-${ID}.scope/container` }]);
    expect(v2.io).toEqual(v2.cpu);
  });

  it("makes paths relative to a mount's root (an agent in a cgroup namespace)", () => {
    const mounts = parseMountinfo("29 23 0:26 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    const inside = cgroupCandidates(mounts, parseProcCgroup("0::/kubepods/pod1/ctr\n"));
    expect(inside.memory).toEqual([{ version: 2, dir: "/sys/fs/cgroup/ctr" }]);
    // A cgroup outside our namespace is not reachable through the mount at all.
    expect(cgroupCandidates(mounts, parseProcCgroup("0::/system.slice/x\n")).memory).toEqual([]);
    expect(cgroupCandidates(parseMountinfo(V2_MOUNTINFO), parseProcCgroup("0::/../../x\n")).memory).toEqual([]);
  });
});
