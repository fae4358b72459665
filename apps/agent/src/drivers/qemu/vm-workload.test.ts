import { workloadSchema } from "@flotilla/protocol";
import { describe, expect, it } from "vitest";
import { defineVm, vmSpecSchema } from "./vm-definition.js";
import { runStateFromQmp } from "./vm-monitor.js";
import { eventForChange, toWorkload } from "./vm-workload.js";

const UUID = "6f1c2a4e-0b7d-4c3a-9e8f-1234567890ab";
const def = defineVm(
  vmSpecSchema.parse({
    name: "web-1",
    kernel: { path: "/guest/vmlinuz" },
    disks: [{ path: "/img/web-1.qcow2" }],
    network: { mode: "user", hostfwd: [{ hostPort: 8080, guestPort: 80 }] },
    labels: { team: "web" },
  }),
  UUID,
  "/var/lib/flotilla",
  1000,
);

describe("toWorkload", () => {
  it("describes a running VM with its live figures, ports and disk", () => {
    const w = toWorkload(def, "running", { vcpus: 2, memoryBytes: 256 * 1024 * 1024, startedAt: 5000 });
    expect(w).toEqual({
      id: UUID,
      name: "web-1",
      kind: "vm",
      driver: "qemu",
      state: "running",
      image: "/img/web-1.qcow2",
      vcpus: 2,
      memoryBytes: 256 * 1024 * 1024,
      ports: [{ hostIp: "127.0.0.1", hostPort: 8080, containerPort: 80, protocol: "tcp" }],
      labels: { team: "web" },
      createdAt: 1000,
      startedAt: 5000,
    });
    expect(workloadSchema.safeParse(w).success).toBe(true);
  });

  it("falls back to the definition when stopped, without a start time", () => {
    const w = toWorkload(def, "stopped", { vcpus: 2, memoryBytes: 1, startedAt: 5000 });
    expect(w.startedAt).toBeUndefined();
    expect(toWorkload(def, "stopped", undefined)).toMatchObject({ vcpus: 1, memoryBytes: 128 * 1024 * 1024 });
  });
});

describe("eventForChange", () => {
  it.each([
    ["stopped", "running", "workload.started"],
    ["paused", "running", "workload.resumed"],
    ["running", "paused", "workload.paused"],
    ["running", "stopped", "workload.stopped"],
    ["running", "dead", "workload.exited"],
  ] as const)("%s -> %s is %s", (from, to, kind) => {
    expect(eventForChange(def, from, to)?.kind).toBe(kind);
  });

  it("says why a VM stopped, and tells an unexpected exit apart", () => {
    expect(eventForChange(def, "running", "stopped", { shutdownReason: "guest-shutdown" })?.message).toBe(
      "web-1 stopped: the guest powered off",
    );
    expect(eventForChange(def, "running", "stopped", { unexpectedExit: true })?.kind).toBe("workload.exited");
    expect(eventForChange(def, "stopped", "unknown")).toBeUndefined();
  });
});

describe("runStateFromQmp", () => {
  it.each([
    ["running", "running"],
    ["paused", "paused"],
    ["io-error", "paused"],
    ["postmigrate", "paused"],
    ["inmigrate", "created"],
    ["shutdown", "stopped"],
    ["guest-panicked", "dead"],
    ["something-new", "unknown"],
  ])("%s is %s", (status, state) => expect(runStateFromQmp(status)).toBe(state));
});
