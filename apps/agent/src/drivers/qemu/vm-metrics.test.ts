import { describe, expect, it } from "vitest";
import { blockCounters, guestAvailableBytes, type VmReading, vmMemory, vmSample } from "./vm-metrics.js";

const MiB = 1024 * 1024;

// Trimmed from a real `query-blockstats` reply (QEMU 7.2).
const BLOCKSTATS = [
  {
    device: "disk0",
    qdev: "/machine/peripheral-anon/device[1]/virtio-backend",
    stats: { rd_bytes: 4096, wr_bytes: 512, rd_operations: 2 },
    parent: { stats: { rd_bytes: 999999, wr_bytes: 999999 } },
  },
  { device: "", qdev: "virtio-disk1", stats: { rd_bytes: 10, wr_bytes: 20 } },
  { device: "broken", stats: {} },
];

function reading(at: number, over: Partial<VmReading> = {}): VmReading {
  return {
    at,
    cpuTicks: 0,
    block: new Map(),
    net: new Map(),
    memUsedBytes: 64 * MiB,
    memTotalBytes: 128 * MiB,
    ...over,
  };
}

describe("blockCounters", () => {
  it("sums each device's own bytes, keyed by device or qdev, skipping unreadable entries", () => {
    expect(blockCounters(BLOCKSTATS)).toEqual(
      new Map([
        ["disk0", { rx: 4096, tx: 512 }],
        ["virtio-disk1", { rx: 10, tx: 20 }],
      ]),
    );
    expect(blockCounters(undefined).size).toBe(0);
  });
});

describe("memory", () => {
  it("takes the guest's available memory from balloon statistics once reported", () => {
    const stats = {
      stats: { "stat-available-memory": 73408512, "stat-free-memory": 67624960 },
      "last-update": 1795913831,
    };
    expect(guestAvailableBytes(stats)).toBe(73408512);
    expect(guestAvailableBytes({ stats: { "stat-free-memory": 5 }, "last-update": 1 })).toBe(5);
    expect(guestAvailableBytes({ stats: { "stat-available-memory": -1 }, "last-update": 1 })).toBeUndefined();
    expect(guestAvailableBytes({ stats: { "stat-available-memory": 5 }, "last-update": 0 })).toBeUndefined();
  });

  it("reports used = balloon actual - available, else the RSS capped at the guest's size", () => {
    expect(vmMemory(128 * MiB, 170 * MiB, 128 * MiB, 70 * MiB)).toEqual({ usedBytes: 58 * MiB, totalBytes: 128 * MiB });
    expect(vmMemory(128 * MiB, 40 * MiB, 96 * MiB, undefined)).toEqual({ usedBytes: 40 * MiB, totalBytes: 96 * MiB });
    expect(vmMemory(128 * MiB, 170 * MiB, undefined, undefined)).toEqual({
      usedBytes: 128 * MiB,
      totalBytes: 128 * MiB,
    });
  });
});

describe("vmSample", () => {
  it("turns counter growth into per-second rates over the real span", () => {
    const before = reading(1000, {
      cpuTicks: 100,
      block: new Map([["disk0", { rx: 0, tx: 0 }]]),
      net: new Map([["tap0", { rx: 1000, tx: 0 }]]),
    });
    const after = reading(3000, {
      cpuTicks: 250, // 1.5 s of CPU in 2 s
      block: new Map([["disk0", { rx: 8192, tx: 4096 }]]),
      net: new Map([["tap0", { rx: 3000, tx: 500 }]]),
    });
    expect(vmSample("vm-1", 2, before, after, 42)).toEqual({
      ts: 42,
      target: { kind: "vm", id: "vm-1" },
      cpuCores: 0.75,
      cpuRatio: 0.375,
      memUsedBytes: 64 * MiB,
      memTotalBytes: 128 * MiB,
      netRxBps: 1000,
      netTxBps: 250,
      diskReadBps: 4096,
      diskWriteBps: 2048,
    });
  });

  it("caps the ratio at 1 (emulation threads count too) and skips spans too short to tell", () => {
    expect(vmSample("v", 1, reading(0), reading(1000, { cpuTicks: 150 }), 1)?.cpuRatio).toBe(1);
    expect(vmSample("v", 1, reading(0), reading(100, { cpuTicks: 5 }), 1)).toBeUndefined();
  });

  it("ignores a disk that appeared between readings", () => {
    const after = reading(1000, { block: new Map([["hot", { rx: 1e9, tx: 1e9 }]]) });
    expect(vmSample("v", 1, reading(0), after, 1)?.diskReadBps).toBe(0);
  });
});
