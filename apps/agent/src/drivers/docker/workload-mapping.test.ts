import { workloadSchema } from "@flotilla/protocol";
import { describe, expect, it } from "vitest";
import {
  cpuLimit,
  engineTime,
  type InspectedContainer,
  mapPorts,
  normaliseState,
  toWorkload,
} from "./workload-mapping.js";

// Trimmed from `GET /containers/{id}/json` on this machine: dockerd 20.10, then Podman 4.3.
const DOCKER_RUNNING: InspectedContainer = {
  Id: "fb617909a94af33570406ecb662a6451e6cf61178c3f757c633dc324c24b08e8",
  Name: "/busy3",
  Created: "2026-11-29T01:04:16.536843397Z",
  Config: { Image: "flt-busybox:test", Labels: { team: "a" }, ExposedPorts: { "80/tcp": {} } },
  State: {
    Status: "running",
    Running: true,
    Pid: 23511,
    ExitCode: 0,
    StartedAt: "2026-11-29T01:04:16.944613782Z",
    FinishedAt: "0001-01-01T00:00:00Z",
  },
  HostConfig: {
    NanoCpus: 1_500_000_000,
    CpuQuota: 0,
    CpuPeriod: 0,
    Memory: 67108864,
    PortBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "18090" }] },
  },
  NetworkSettings: { Ports: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "18090" }] } },
};

const PODMAN_RUNNING: InspectedContainer = {
  Id: "3b6db1a413a1feff3f5eb78e2f529f1db58e4758199ed6d8cff39487c2a66c87",
  Name: "/pbusy",
  Created: "2026-11-29T01:04:28.118223956Z",
  Config: { Image: "docker.io/library/flt-busybox:test", Labels: null, ExposedPorts: { "80/tcp": {} } },
  State: { Status: "running", Running: true, Pid: 23963, StartedAt: "2026-11-29T01:04:28.360000759Z" },
  HostConfig: { NanoCpus: 1_500_000_000, CpuQuota: 150000, CpuPeriod: 100000, Memory: 0 },
  NetworkSettings: { Ports: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "18091" }] } },
};

describe("normaliseState", () => {
  it("keeps Docker's states and maps Podman's own names", () => {
    for (const s of ["running", "paused", "restarting", "created", "exited", "dead"]) {
      expect(normaliseState({ Status: s })).toBe(s);
    }
    expect(normaliseState({ Status: "Running" })).toBe("running");
    expect(normaliseState({ Status: "configured" })).toBe("created");
    expect(normaliseState({ Status: "stopped" })).toBe("exited");
    expect(normaliseState({ Status: "stopping" })).toBe("running");
    expect(normaliseState({ Status: "removing" })).toBe("exited");
    expect(normaliseState({ Status: "hibernating" })).toBe("unknown");
  });

  it("falls back to the flags when there is no status", () => {
    expect(normaliseState({ Running: true, Paused: true })).toBe("paused");
    expect(normaliseState({ Running: true })).toBe("running");
    expect(normaliseState({ Restarting: true })).toBe("restarting");
    expect(normaliseState({ Dead: true })).toBe("dead");
    expect(normaliseState(undefined)).toBe("unknown");
  });
});

describe("limits and times", () => {
  it("takes the CPU limit from NanoCpus, else the CFS quota, else none", () => {
    expect(cpuLimit({ NanoCpus: 1_500_000_000, CpuQuota: 150000, CpuPeriod: 100000 })).toBe(1.5);
    expect(cpuLimit({ CpuQuota: 50000, CpuPeriod: 100000 })).toBe(0.5);
    expect(cpuLimit({ CpuQuota: 250000 })).toBe(2.5); // default period 100 ms
    expect(cpuLimit({ NanoCpus: 0, CpuQuota: -1 })).toBeUndefined();
    expect(cpuLimit(undefined)).toBeUndefined();
  });

  it("reads nanosecond timestamps and treats year 1 as never", () => {
    expect(engineTime("2026-11-29T01:04:16.944613782Z")).toBe(Date.UTC(2026, 10, 29, 1, 4, 16, 944));
    expect(engineTime("0001-01-01T00:00:00Z")).toBeUndefined();
    expect(engineTime("")).toBeUndefined();
    expect(engineTime("soon")).toBeUndefined();
  });
});

describe("mapPorts", () => {
  it("lists the live bindings of a running container", () => {
    expect(mapPorts(DOCKER_RUNNING)).toEqual([
      { hostIp: "127.0.0.1", hostPort: 18090, containerPort: 80, protocol: "tcp" },
    ]);
  });

  it("uses the requested bindings of a stopped container, and lists unbound exposed ports", () => {
    const stopped: InspectedContainer = {
      Id: "x",
      Config: { ExposedPorts: { "80/tcp": {}, "53/udp": {}, "9000/tcp": {} } },
      HostConfig: { PortBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }], "53/udp": [{ HostPort: "" }] } },
      NetworkSettings: { Ports: {} },
    };
    expect(mapPorts(stopped)).toEqual([
      { hostPort: 8080, containerPort: 80, protocol: "tcp" },
      { containerPort: 53, protocol: "udp" },
      { containerPort: 9000, protocol: "tcp" },
    ]);
  });

  it("keeps both address families, drops duplicates, SCTP and nonsense", () => {
    const c: InspectedContainer = {
      Id: "x",
      NetworkSettings: {
        Ports: {
          "443/tcp": [
            { HostIp: "0.0.0.0", HostPort: "8443" },
            { HostIp: "::", HostPort: "8443" },
            { HostIp: "0.0.0.0", HostPort: "8443" },
          ],
          "5000/sctp": [{ HostIp: "0.0.0.0", HostPort: "5000" }],
          "http/tcp": null,
          "70000/tcp": null,
        },
      },
    };
    expect(mapPorts(c)).toEqual([
      { hostIp: "0.0.0.0", hostPort: 8443, containerPort: 443, protocol: "tcp" },
      { hostIp: "::", hostPort: 8443, containerPort: 443, protocol: "tcp" },
    ]);
  });
});

describe("toWorkload", () => {
  it("describes a Docker container", () => {
    const w = toWorkload(DOCKER_RUNNING);
    expect(workloadSchema.parse(w)).toEqual(w);
    expect(w).toEqual({
      id: DOCKER_RUNNING.Id,
      name: "busy3",
      kind: "container",
      driver: "docker",
      state: "running",
      image: "flt-busybox:test",
      vcpus: 1.5,
      memoryBytes: 67108864,
      ports: [{ hostIp: "127.0.0.1", hostPort: 18090, containerPort: 80, protocol: "tcp" }],
      labels: { team: "a" },
      createdAt: Date.parse("2026-11-29T01:04:16.536Z"),
      startedAt: Date.parse("2026-11-29T01:04:16.944Z"),
    });
  });

  it("describes a Podman container (null labels, no memory limit)", () => {
    const w = toWorkload(PODMAN_RUNNING);
    expect(workloadSchema.parse(w)).toEqual(w);
    expect(w.labels).toEqual({});
    expect(w.memoryBytes).toBeUndefined();
    expect(w.vcpus).toBe(1.5);
    expect(w.name).toBe("pbusy");
  });

  it("stays valid with oversized labels and a bare minimum of fields", () => {
    const w = toWorkload({ Id: "abcdef0123456789", Config: { Labels: { ok: "1", big: "x".repeat(5000) } } });
    expect(workloadSchema.parse(w)).toEqual(w);
    expect(w).toMatchObject({ name: "abcdef012345", state: "unknown", labels: { ok: "1" } });
  });
});
