import { describe, expect, it } from "vitest";
import { DEFAULT_HEADROOM, type PlacementInput, placeReplicas, type SchedulerHost } from "./scheduler.js";

const GiB = 1024 ** 3;

function host(name: string, over: Partial<SchedulerHost> = {}): SchedulerHost {
  return {
    id: `id-${name}`,
    name,
    status: "online",
    labels: {},
    cpuCores: 8,
    memoryBytes: 32 * GiB,
    usedCpu: 0,
    usedMemoryBytes: 0,
    reservedCpu: 0,
    reservedMemoryBytes: 0,
    usedPorts: [],
    replicasHere: 0,
    ...over,
  };
}

const small = { cpus: 1, memoryBytes: 1 * GiB, ports: [] };

function place(input: Partial<PlacementInput> & Pick<PlacementInput, "hosts">) {
  return placeReplicas({ count: 1, request: small, strategy: "spread", ...input });
}

function names(result: ReturnType<typeof placeReplicas>, hosts: SchedulerHost[]) {
  const ids = result.ok ? result.hostIds : result.placed;
  return ids.map((id) => hosts.find((h) => h.id === id)?.name);
}

describe("placeReplicas", () => {
  it("binpack fills the most used host that still fits", () => {
    const hosts = [host("a", { usedCpu: 1 }), host("b", { usedCpu: 5 }), host("c", { usedCpu: 3 })];
    const result = place({ hosts, count: 3, strategy: "binpack" });
    // b has 7.2 usable cores: two more fit (5 -> 7), the third goes to the next fullest, c.
    expect(names(result, hosts)).toEqual(["b", "b", "c"]);
  });

  it("binpack counts reservations and memory: the scarcest resource decides how full a host is", () => {
    const hosts = [host("cpu-busy", { usedCpu: 4 }), host("mem-busy", { reservedMemoryBytes: 24 * GiB })];
    expect(names(place({ hosts, strategy: "binpack" }), hosts)).toEqual(["mem-busy"]);
  });

  it("spread prefers hosts without a replica, then the least loaded", () => {
    const hosts = [
      host("a", { usedCpu: 1, replicasHere: 1 }),
      host("b", { usedCpu: 6 }),
      host("c", { usedCpu: 2 }),
      host("d", { usedCpu: 0.5, replicasHere: 1 }),
    ];
    const result = place({ hosts, count: 4 });
    expect(names(result, hosts)).toEqual(["c", "b", "d", "a"]);
  });

  it("spread puts 3 replicas on 3 different hosts when it can", () => {
    const hosts = [host("a"), host("b"), host("c")];
    const result = place({ hosts, count: 3 });
    expect(result.ok && new Set(result.hostIds).size).toBe(3);
  });

  it("host places every replica on the chosen host, and says why it cannot", () => {
    const hosts = [host("a"), host("b")];
    expect(names(place({ hosts, count: 2, strategy: "host", hostId: "id-b" }), hosts)).toEqual(["b", "b"]);
    const down = [host("a"), host("b", { status: "offline" })];
    expect(place({ hosts: down, strategy: "host", hostId: "id-b" })).toEqual({
      ok: false,
      placed: [],
      message: "the chosen host is not usable: b is offline",
    });
    expect(place({ hosts, strategy: "host", hostId: "nope" })).toMatchObject({
      message: "the chosen host does not exist",
    });
  });

  it("skips offline hosts, hosts in maintenance and hosts without the selected labels", () => {
    const hosts = [
      host("off", { status: "offline" }),
      host("maint", { status: "maintenance" }),
      host("wrong-zone", { labels: { zone: "b" } }),
      host("ok", { labels: { zone: "a", ssd: "true" }, usedCpu: 7 }),
    ];
    const result = place({ hosts, count: 1, selector: { zone: "a" }, request: { ...small, cpus: 0.2 } });
    expect(names(result, hosts)).toEqual(["ok"]);
    expect(place({ hosts, selector: { zone: "c" } })).toEqual({
      ok: false,
      placed: [],
      message:
        "no host is online and matches: off is offline; maint is maintenance; wrong-zone lacks zone=c; ok lacks zone=c",
    });
  });

  it("keeps headroom and explains a request nothing can take", () => {
    const hosts = [
      host("a", { cpuCores: 4, usedCpu: 2 }),
      host("b", { memoryBytes: 8 * GiB, usedMemoryBytes: 6 * GiB }),
    ];
    const result = place({ hosts, request: { cpus: 2, memoryBytes: 4 * GiB, ports: [] } });
    // a: 3.6 usable - 2 used = 1.6 cores; b: 7.2 GiB usable - 6 = 1.2 GiB.
    expect(result).toEqual({
      ok: false,
      placed: [],
      message: "no online host has 2 cores and 4 GiB free after headroom; largest free: 7.2 cores on b, 28.8 GiB on a",
    });
    expect(DEFAULT_HEADROOM).toBe(0.9);
  });

  it("reports how many replicas fitted before it ran out", () => {
    const hosts = [host("a", { cpuCores: 2 })];
    const result = place({ hosts, count: 3 });
    expect(result).toMatchObject({ ok: false, placed: ["id-a"] });
    expect(!result.ok && result.message).toMatch(/^only 1 of 3 replicas fit: no online host has 1 core and 1 GiB/);
  });

  it("never puts two replicas that publish the same host port on one host", () => {
    const hosts = [host("a"), host("b", { usedPorts: ["tcp/8080"] }), host("c")];
    const request = { ...small, ports: ["tcp/8080"] };
    const result = place({ hosts, count: 3, request, strategy: "binpack" });
    expect(result).toMatchObject({ ok: false, placed: ["id-a", "id-c"] });
    expect(!result.ok && result.message).toMatch(/with tcp\/8080 unused; .*ports taken on a, b, c$/);
  });

  it("is deterministic: ties go to the host whose name sorts first", () => {
    const hosts = [host("z"), host("m"), host("a")];
    expect(names(place({ hosts, strategy: "binpack" }), hosts)).toEqual(["a"]);
    expect(names(place({ hosts, count: 3 }), hosts)).toEqual(["a", "m", "z"]);
  });

  it("treats a host without recent metrics as holding only its reservations", () => {
    const hosts = [host("quiet", { usedCpu: null, usedMemoryBytes: null, reservedCpu: 7 }), host("b", { usedCpu: 1 })];
    expect(names(place({ hosts, strategy: "binpack" }), hosts)).toEqual(["b"]);
  });
});
