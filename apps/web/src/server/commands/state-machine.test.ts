import { describe, expect, it } from "vitest";
import { isNewerCommandState } from "../../shared/live-events.js";
import { COMMAND_PERMISSIONS, roleHasPermission } from "../access/permissions.js";
import { defaultDeadlineMs, redactPayload } from "./command-view.js";
import { stableJson } from "./request-command.js";
import {
  ACTIVE_STATES,
  COMMAND_STATES,
  cancelAction,
  canTransition,
  isOverdue,
  isTerminal,
  outcomeOfResult,
} from "./state-machine.js";

describe("command state machine", () => {
  it("only moves forward, and never out of a final state", () => {
    expect(canTransition("pending", "sent")).toBe(true);
    expect(canTransition("sent", "running")).toBe(true);
    expect(canTransition("running", "succeeded")).toBe(true);
    expect(canTransition("running", "sent")).toBe(false);
    expect(canTransition("sent", "pending")).toBe(false);
    for (const final of COMMAND_STATES.filter(isTerminal)) {
      for (const to of COMMAND_STATES) expect(canTransition(final, to), `${final} -> ${to}`).toBe(false);
    }
    expect(ACTIVE_STATES).toEqual(["pending", "sent", "running"]);
  });

  it.each([
    [{ ok: true }, "succeeded", null],
    [{ ok: false, error: { code: "command_failed", message: "engine said no" } }, "failed", "command_failed"],
    [{ ok: false, error: { code: "interrupted", message: "agent died" } }, "failed", "interrupted"],
    [{ ok: false, error: { code: "deadline_exceeded", message: "late" } }, "timed_out", "deadline_exceeded"],
    [{ ok: false, error: { code: "cancelled", message: "stopped" } }, "cancelled", "cancelled"],
    [{ ok: false }, "failed", "command_failed"],
  ] as const)("reads the result %j as %s", (frame, state, code) => {
    const outcome = outcomeOfResult(frame);
    expect(outcome.state).toBe(state);
    expect(outcome.error?.code ?? null).toBe(code);
  });

  it("withdraws what was never sent, signals cancellable work, refuses the rest", () => {
    expect(cancelAction({ name: "container.create", state: "pending" })).toBe("withdraw");
    expect(cancelAction({ name: "container.logs", state: "running" })).toBe("signal");
    expect(cancelAction({ name: "image.build", state: "sent" })).toBe("signal");
    expect(cancelAction({ name: "container.create", state: "sent" })).toBe("not_cancellable");
    expect(cancelAction({ name: "container.logs", state: "succeeded" })).toBe("finished");
  });

  it("times out a never-sent command at its deadline, one out on its host after a grace period", () => {
    const deadline = new Date(10_000);
    expect(isOverdue({ state: "pending", deadline }, new Date(10_000), 5_000)).toBe(true);
    expect(isOverdue({ state: "running", deadline }, new Date(12_000), 5_000)).toBe(false);
    expect(isOverdue({ state: "running", deadline }, new Date(15_000), 5_000)).toBe(true);
    expect(isOverdue({ state: "succeeded", deadline }, new Date(99_000), 5_000)).toBe(false);
  });
});

describe("command permissions", () => {
  it("lets operators act on workloads and images but only admins change agents", () => {
    for (const [name, permission] of Object.entries(COMMAND_PERMISSIONS)) {
      // VM migration steps move a VM across hosts: admins (migrations.run), normally via migrations.start.
      const expected = name.startsWith("vm.migration.")
        ? "migrations.run"
        : /^(container|workload|image|vm)\./.test(name)
          ? "workloads.operate"
          : "hosts.manage";
      expect(permission, name).toBe(expected);
    }
    expect(roleHasPermission("operator", COMMAND_PERMISSIONS["container.create"])).toBe(true);
    expect(roleHasPermission("operator", COMMAND_PERMISSIONS["image.build"])).toBe(true);
    expect(roleHasPermission("operator", COMMAND_PERMISSIONS["metrics.set_interval"])).toBe(false);
    expect(roleHasPermission("admin", COMMAND_PERMISSIONS["metrics.set_interval"])).toBe(true);
    expect(roleHasPermission("viewer", COMMAND_PERMISSIONS["container.logs"])).toBe(false);
  });
});

describe("command requests", () => {
  it("compares payloads for idempotency whatever their key order", () => {
    expect(stableJson({ b: 1, a: { d: [1, { y: 1, x: 2 }], c: 2 } })).toBe(
      stableJson({ a: { c: 2, d: [1, { x: 2, y: 1 }] }, b: 1 }),
    );
    expect(stableJson({ a: 1 })).not.toBe(stableJson({ a: 2 }));
  });

  it("gives long work long deadlines and never shows registry passwords", () => {
    expect(defaultDeadlineMs({ name: "image.build", payload: {} })).toBeGreaterThan(
      defaultDeadlineMs({ name: "container.stop", payload: {} }),
    );
    expect(defaultDeadlineMs({ name: "container.logs", payload: { follow: true } })).toBeGreaterThan(
      defaultDeadlineMs({ name: "container.logs", payload: { follow: false } }),
    );
    expect(redactPayload({ reference: "x", auth: { username: "u", password: "p" } })).toEqual({
      reference: "x",
      auth: "[redacted]",
    });
  });
});

describe("live updates", () => {
  it("lets a browser ignore an update that would move a command backwards", () => {
    expect(isNewerCommandState("pending", "sent")).toBe(true);
    expect(isNewerCommandState("sent", "pending")).toBe(false);
    expect(isNewerCommandState("running", "running")).toBe(true); // more progress
    expect(isNewerCommandState("succeeded", "running")).toBe(false);
    expect(isNewerCommandState("succeeded", "succeeded")).toBe(false);
  });
});
