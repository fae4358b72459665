import { describe, expect, it } from "vitest";
import {
  blkioBytesV1,
  cpuNsV1,
  cpuNsV2,
  flatKeyedValue,
  ioBytesV2,
  memoryUsedV1,
  memoryUsedV2,
} from "./cgroup-files.js";

// Taken from a busybox container on this machine's hybrid hierarchy.
const V1_MEMORY_STAT = `cache 454656
rss 57344
mapped_file 356352
inactive_anon 53248
active_anon 4096
inactive_file 61440
active_file 393216
hierarchical_memory_limit 67108864
total_cache 454656
total_rss 57344
total_inactive_anon 53248
total_active_anon 4096
total_inactive_file 61440
total_active_file 393216
`;

const V2_MEMORY_STAT = `anon 1622016
file 8192000
kernel 315392
active_anon 1617920
inactive_file 6000000
active_file 2192000
`;

describe("cgroup CPU", () => {
  it("reads v1 cpuacct.usage (ns) and v2 cpu.stat usage_usec", () => {
    expect(cpuNsV1("5266987777\n")).toBe(5_266_987_777);
    expect(cpuNsV2("usage_usec 73291778\nuser_usec 73080987\nsystem_usec 210790\n")).toBe(73_291_778_000);
    expect(() => cpuNsV1("")).toThrow(/cpuacct.usage/);
    expect(() => cpuNsV2("user_usec 1\n")).toThrow(/usage_usec/);
  });
});

describe("cgroup memory", () => {
  it("takes the hierarchical inactive file cache out of the v1 usage, as docker stats does", () => {
    expect(memoryUsedV1("659456\n", V1_MEMORY_STAT)).toBe(659456 - 61440);
    // Only the non-hierarchical figure is ignored: it misses the children's cache.
    expect(memoryUsedV1("659456\n", "inactive_file 61440\n")).toBe(659456);
  });

  it("takes inactive_file out of the v2 memory.current", () => {
    expect(memoryUsedV2("10000000\n", V2_MEMORY_STAT)).toBe(4_000_000);
  });

  it("never goes negative when the cache figure is larger than the usage", () => {
    expect(memoryUsedV1("1000\n", "total_inactive_file 5000\n")).toBe(1000);
    expect(memoryUsedV2("1000\n", "inactive_file 5000\n")).toBe(1000);
  });

  it("finds one key of a flat keyed file, whole keys and whole numbers only", () => {
    const text = "a 1\nb x\n\nc 3 4\ntotal_d 7\nd 8\ne -2\nf 1.5\ng 12";
    expect(flatKeyedValue(text, "a")).toBe(1);
    expect(flatKeyedValue(text, "c")).toBe(3);
    expect(flatKeyedValue(text, "d"), "not the tail of total_d").toBe(8);
    expect(flatKeyedValue(text, "total_d")).toBe(7);
    expect(flatKeyedValue(text, "g"), "at the end of the file").toBe(12);
    expect(flatKeyedValue(text, "b")).toBeUndefined();
    expect(flatKeyedValue(text, "e")).toBeUndefined();
    expect(flatKeyedValue(text, "f")).toBeUndefined();
    expect(flatKeyedValue(text, "total")).toBeUndefined();
    expect(flatKeyedValue(V1_MEMORY_STAT, "inactive_file")).toBe(61440);
    expect(flatKeyedValue(V2_MEMORY_STAT, "active_file")).toBe(2192000);
  });
});

describe("cgroup block I/O", () => {
  it("sums v1 Read and Write per device, ignoring the other rows", () => {
    const text = `8:0 Read 4096
8:0 Write 8192
8:0 Sync 12288
8:0 Async 0
8:0 Discard 0
8:0 Total 12288
8:16 Read 100
8:16 Write 0
Total 12388
`;
    expect(blkioBytesV1(text)).toEqual(
      new Map([
        ["8:0", { rx: 4096, tx: 8192 }],
        ["8:16", { rx: 100, tx: 0 }],
      ]),
    );
    expect(blkioBytesV1("Total 0\n").size).toBe(0);
  });

  it("reads rbytes and wbytes from v2 io.stat", () => {
    const text =
      "259:0 rbytes=1048576 wbytes=2097152 rios=10 wios=20 dbytes=0 dios=0\n253:1 rbytes=5 wbytes=6 rios=1 wios=1\n";
    expect(ioBytesV2(text)).toEqual(
      new Map([
        ["259:0", { rx: 1_048_576, tx: 2_097_152 }],
        ["253:1", { rx: 5, tx: 6 }],
      ]),
    );
  });
});
