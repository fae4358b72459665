import { describe, expect, it } from "vitest";
import type { CommandUpdateEvent } from "../shared/live-events";
import { applyCommandUpdate, describeCommand, describeOutcome, newerUpdate } from "./command-state";

const base = { id: "c1", state: "sent" as const, progress: null, message: null, cancellable: true, name: "image.pull" };
const update = (over: Partial<CommandUpdateEvent>): CommandUpdateEvent => ({
  id: "c1",
  hostId: "h1",
  name: "image.pull",
  state: "running",
  progress: null,
  message: null,
  ...over,
});

describe("applyCommandUpdate", () => {
  it("moves a command forward and keeps it cancellable while it runs", () => {
    const next = applyCommandUpdate(base, update({ state: "running", progress: 0.4, message: "layer 2/5" }));
    expect(next).toMatchObject({ state: "running", progress: 0.4, message: "layer 2/5", cancellable: true });
  });

  it("never moves a command backwards", () => {
    const running = { ...base, state: "running" as const };
    expect(applyCommandUpdate(running, update({ state: "sent" }))).toBe(running);
    const done = { ...base, state: "succeeded" as const };
    expect(applyCommandUpdate(done, update({ state: "running" }))).toBe(done);
    expect(applyCommandUpdate(done, update({ state: "failed" }))).toBe(done);
  });

  it("ends cancellability when the command ends", () => {
    expect(applyCommandUpdate(base, update({ state: "failed", message: "boom" }))).toMatchObject({
      state: "failed",
      cancellable: false,
      message: "boom",
    });
  });

  it("ignores other commands and updates that change nothing", () => {
    expect(applyCommandUpdate(base, update({ id: "c2" }))).toBe(base);
    expect(applyCommandUpdate(base, update({ state: "sent" }))).toBe(base);
  });
});

describe("newerUpdate", () => {
  it("keeps the update furthest along", () => {
    const done = update({ state: "succeeded" });
    expect(newerUpdate(done, update({ state: "running" }))).toBe(done);
    const later = update({ state: "running", progress: 0.9 });
    expect(newerUpdate(update({ state: "running", progress: 0.1 }), later)).toBe(later);
    expect(newerUpdate(undefined, later)).toBe(later);
  });
});

describe("describeOutcome", () => {
  it("says nothing while the command is live", () => {
    expect(describeOutcome({ name: "x", state: "running", message: null })).toBeNull();
  });

  it("tells what to do when the agent does not know the command", () => {
    const outcome = describeOutcome({
      name: "container.stop",
      state: "failed",
      message: "this agent cannot run container.stop",
      error: { code: "unknown_command", message: "this agent cannot run container.stop (it runs: x)" },
    });
    expect(outcome).toMatchObject({ tone: "danger", title: "Failed" });
    expect(outcome?.detail).toContain("(it runs: x)");
    expect(outcome?.hint).toMatch(/update the agent/);
  });

  it("explains a timeout and keeps the server's reason", () => {
    const outcome = describeOutcome({
      name: "image.list",
      state: "timed_out",
      message: "The host's agent was not connected before the deadline; the command was never sent.",
    });
    expect(outcome?.tone).toBe("warn");
    expect(outcome?.detail).toMatch(/never sent/);
    expect(outcome?.hint).toMatch(/online/);
  });
});

describe("describeCommand", () => {
  const names = (id: string) => (id === "abc" ? "web-1" : undefined);
  it("names the workload a command acts on", () => {
    expect(describeCommand("container.stop", { workloadId: "abc" }, names)).toBe("Stop web-1");
    expect(describeCommand("workload.start", { workloadId: "f".repeat(64) }, names)).toBe(`Start ${"f".repeat(12)}`);
  });

  it("describes image and create commands", () => {
    expect(describeCommand("image.pull", { reference: "nginx:1.27" })).toBe("Pull nginx:1.27");
    expect(describeCommand("image.build", { tag: "app:v1" })).toBe("Build app:v1");
    expect(describeCommand("container.create", { image: "nginx", name: "web" })).toBe("Run web from nginx");
    expect(describeCommand("image.list", {})).toBe("List images");
    expect(describeCommand("something.else", null)).toBe("something.else");
  });
});
