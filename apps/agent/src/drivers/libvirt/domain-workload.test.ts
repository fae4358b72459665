import { workloadSchema } from "@flotilla/protocol";
import { describe, expect, it } from "vitest";
import {
  type DomainReading,
  domainMemory,
  domainSample,
  lifecycleEvents,
  toDomainWorkload,
} from "./domain-workload.js";
import type { DomainStats } from "./virsh-parsers.js";

const MiB = 1024 * 1024;
const UUID = "7705ecd9-76c9-4ef5-925b-8a530531b999";

function stats(over: Partial<DomainStats> = {}): DomainStats {
  return {
    state: "running",
    cpuTimeNs: 0,
    vcpus: 2,
    maxMemoryBytes: 128 * MiB,
    currentMemoryBytes: 128 * MiB,
    usableBytes: undefined,
    rssBytes: 180 * MiB,
    diskPaths: ["/img/a.qcow2"],
    block: new Map([["vda", { rx: 0, tx: 0 }]]),
    net: new Map([["vnet0", { rx: 0, tx: 0 }]]),
    ...over,
  };
}

describe("libvirt domains as workloads", () => {
  it("describes a domain", () => {
    const w = toDomainWorkload(UUID, "web", stats(), 1234);
    expect(w).toEqual({
      id: UUID,
      name: "web",
      kind: "vm",
      driver: "libvirt",
      state: "running",
      image: "/img/a.qcow2",
      vcpus: 2,
      memoryBytes: 128 * MiB,
      ports: [],
      labels: {},
      startedAt: 1234,
    });
    expect(workloadSchema.safeParse(w).success).toBe(true);
    expect(toDomainWorkload(UUID, "web", stats({ state: "stopped" }), 1234).startedAt).toBeUndefined();
  });

  it("takes memory from the balloon once the guest reports, else the RSS capped at its size", () => {
    expect(domainMemory(stats({ usableBytes: 70 * MiB }))).toEqual({ usedBytes: 58 * MiB, totalBytes: 128 * MiB });
    expect(domainMemory(stats())).toEqual({ usedBytes: 128 * MiB, totalBytes: 128 * MiB });
    expect(domainMemory(stats({ rssBytes: 40 * MiB }))).toEqual({ usedBytes: 40 * MiB, totalBytes: 128 * MiB });
  });

  it("turns cpu.time and byte counters into rates", () => {
    const before: DomainReading = { at: 0, stats: stats() };
    const after: DomainReading = {
      at: 2000,
      stats: stats({
        cpuTimeNs: 3e9,
        block: new Map([["vda", { rx: 4096, tx: 2048 }]]),
        net: new Map([["vnet0", { rx: 1000, tx: 500 }]]),
      }),
    };
    expect(domainSample(UUID, before, after, 99)).toEqual({
      ts: 99,
      target: { kind: "vm", id: UUID },
      cpuCores: 1.5,
      cpuRatio: 0.75,
      memUsedBytes: 128 * MiB,
      memTotalBytes: 128 * MiB,
      netRxBps: 500,
      netTxBps: 250,
      diskReadBps: 2048,
      diskWriteBps: 1024,
    });
    expect(domainSample(UUID, before, { ...after, at: 100 }, 99)).toBeUndefined();
  });

  it("names what changed", () => {
    const kinds = (from?: DomainStats["state"], to?: DomainStats["state"]) =>
      lifecycleEvents(UUID, "web", from, to).map((e) => e.kind);
    expect(kinds(undefined, "stopped")).toEqual(["workload.created"]);
    expect(kinds(undefined, "running")).toEqual(["workload.created", "workload.started"]);
    expect(kinds("running", undefined)).toEqual(["workload.removed"]);
    expect(kinds("running", "paused")).toEqual(["workload.paused"]);
    expect(kinds("paused", "running")).toEqual(["workload.resumed"]);
    expect(kinds("running", "stopped")).toEqual(["workload.stopped"]);
    expect(kinds("running", "running")).toEqual([]);
  });
});
