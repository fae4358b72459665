import { sampleSchema } from "@flotilla/protocol";
import { describe, expect, it } from "vitest";
import { type ContainerCounters, containerSample } from "./container-counters.js";
import { countersFromStats, podmanQuirks } from "./stats-api.js";

// Trimmed from `GET /containers/{id}/stats?stream=false&one-shot=true` on this machine.
const DOCKER_V1 = {
  cpu_stats: { cpu_usage: { total_usage: 11_115_376_815 } },
  memory_stats: { usage: 659456, stats: { inactive_file: 0, total_inactive_file: 61440, cache: 4096 } },
  networks: { eth0: { rx_bytes: 1096, tx_bytes: 0 }, eth1: { rx_bytes: 4, tx_bytes: 6 } },
  blkio_stats: {
    io_service_bytes_recursive: [
      { major: 8, minor: 0, op: "Read", value: 4096 },
      { major: 8, minor: 0, op: "Write", value: 8192 },
      { major: 8, minor: 0, op: "Total", value: 12288 },
    ],
  },
};

const PODMAN_4_3 = {
  cpu_stats: { cpu_usage: { total_usage: 3_458_271_135 } },
  memory_stats: { usage: 679936, limit: 67108864 },
  networks: { network: { rx_bytes: 516, tx_bytes: 1220 } },
  blkio_stats: { io_service_bytes_recursive: [] },
};

describe("countersFromStats", () => {
  it("reads Docker's document: cpu ns, usage without inactive cache, per-interface and per-device bytes", () => {
    const c = countersFromStats(DOCKER_V1);
    expect(c.cpuNs).toBe(11_115_376_815);
    expect(c.memUsedBytes).toBe(659456 - 61440);
    expect(c.net.get("eth0")).toEqual({ rx: 1096, tx: 0 });
    expect(c.net.size).toBe(2);
    expect(c.disk.get("8:0")).toEqual({ rx: 4096, tx: 8192 });
  });

  it("uses inactive_file on cgroup v2 and lower-case ops", () => {
    const c = countersFromStats({
      cpu_stats: { cpu_usage: { total_usage: 1 } },
      memory_stats: { usage: 5000, stats: { inactive_file: 1000 } },
      blkio_stats: { io_service_bytes_recursive: [{ major: 259, minor: 0, op: "read", value: 7 }] },
    });
    expect(c.memUsedBytes).toBe(4000);
    expect(c.disk.get("259:0")).toEqual({ rx: 7, tx: 0 });
    expect(c.net.size).toBe(0);
  });

  it("swaps Podman 4.3's network directions back", () => {
    const quirks = podmanQuirks({ Components: [{ Name: "Podman Engine", Version: "4.3.1" }] });
    expect(quirks).toEqual({ swapNetDirections: true });
    const c = countersFromStats(PODMAN_4_3, quirks);
    expect(c.net.get("network")).toEqual({ rx: 1220, tx: 516 });
    expect(c.memUsedBytes).toBe(679936);
  });

  it("knows which engines have that quirk", () => {
    expect(podmanQuirks({ Components: [{ Name: "Podman Engine", Version: "4.4.0" }] })).toEqual({
      swapNetDirections: false,
    });
    expect(podmanQuirks({ Components: [{ Name: "Engine", Version: "20.10.24+dfsg1" }] })).toEqual({});
    expect(podmanQuirks({})).toEqual({});
  });

  it("refuses a document without CPU usage", () => {
    expect(() => countersFromStats({ memory_stats: { usage: 1 } })).toThrow(/total_usage/);
  });
});

describe("containerSample", () => {
  const counters = (cpuNs: number, rx: number, read: number): ContainerCounters => ({
    cpuNs,
    memUsedBytes: 1000,
    net: new Map([["eth0", { rx, tx: rx / 2 }]]),
    disk: new Map([["8:0", { rx: read, tx: 0 }]]),
  });

  it("turns counter growth over the real span into rates", () => {
    const s = containerSample(
      1_000_000,
      "abc",
      { at: 10_000, counters: counters(1e9, 1000, 0) },
      { at: 12_000, counters: counters(4e9, 5000, 4096) },
      { vcpus: 2, memoryBytes: 64 << 20 },
    );
    expect(sampleSchema.parse(s)).toEqual(s);
    expect(s).toMatchObject({
      target: { kind: "container", id: "abc" },
      cpuCores: 1.5,
      cpuRatio: 0.75,
      memUsedBytes: 1000,
      memTotalBytes: 64 << 20,
      netRxBps: 2000,
      netTxBps: 1000,
      diskReadBps: 2048,
      diskWriteBps: 0,
    });
  });

  it("leaves out capacity figures the container has no limit for", () => {
    const s = containerSample(
      1,
      "abc",
      { at: 0, counters: counters(0, 0, 0) },
      { at: 1000, counters: counters(0, 0, 0) },
    );
    expect(s.cpuRatio).toBeUndefined();
    expect(s.memTotalBytes).toBeUndefined();
  });
});
