import { commandSchema } from "@flotilla/protocol";
import { describe, expect, it } from "vitest";
import { type ActionTarget, actionsFor, commandForAction } from "./workload-actions";

const container = (over: Partial<ActionTarget> = {}): ActionTarget => ({
  kind: "container",
  driver: "docker",
  externalId: "a".repeat(64),
  state: "running",
  removedAt: null,
  ...over,
});

describe("actionsFor", () => {
  it("offers what fits the container's state", () => {
    expect(actionsFor(container())).toEqual(["stop", "restart", "remove"]);
    expect(actionsFor(container({ state: "exited" }))).toEqual(["start", "remove"]);
    expect(actionsFor(container({ driver: "sim", state: "created" }))).toEqual(["start", "remove"]);
  });

  it("offers only power actions for VMs, and nothing for removed workloads or other drivers", () => {
    expect(actionsFor(container({ kind: "vm", driver: "qemu" }))).toEqual(["stop"]);
    expect(actionsFor(container({ kind: "vm", driver: "libvirt", state: "stopped" }))).toEqual(["start"]);
    expect(actionsFor(container({ removedAt: "2025-01-01T00:00:00Z" }))).toEqual([]);
    expect(actionsFor(container({ driver: "proc" }))).toEqual([]);
  });
});

describe("commandForAction", () => {
  it("sends container.* for docker containers, with force only when asked", () => {
    const w = container();
    expect(commandForAction(w, "stop")).toEqual({ name: "container.stop", payload: { workloadId: w.externalId } });
    expect(commandForAction(w, "remove", true)).toEqual({
      name: "container.remove",
      payload: { workloadId: w.externalId, force: true },
    });
  });

  it("starts and stops VMs and simulated containers with workload.*", () => {
    expect(commandForAction(container({ kind: "vm", driver: "qemu" }), "stop", true).name).toBe("workload.stop");
    expect(commandForAction(container({ driver: "sim" }), "start").name).toBe("workload.start");
    expect(commandForAction(container({ driver: "sim" }), "remove").name).toBe("container.remove");
  });

  it("builds commands the protocol accepts", () => {
    for (const w of [container(), container({ driver: "sim" }), container({ kind: "vm", driver: "qemu" })]) {
      for (const action of ["start", "stop", "restart", "remove"] as const) {
        if (w.kind === "vm" && (action === "restart" || action === "remove")) continue;
        expect(commandSchema.safeParse(commandForAction(w, action, true)).success).toBe(true);
      }
    }
  });
});
