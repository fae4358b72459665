import { describe, expect, it } from "vitest";
import { type LifecycleSnapshot, lifecycleEvents, StopIntents, snapshotOf } from "./lifecycle.js";

const ctx = { id: "c1", name: "web", stopRequested: false };
const kinds = (events: ReturnType<typeof lifecycleEvents>) => events.map((e) => e.kind);

const created: LifecycleSnapshot = { state: "created" };
const running: LifecycleSnapshot = { state: "running", startedAt: 1000 };

describe("lifecycleEvents", () => {
  it("reports a new container, and one that already ran by the time it was seen", () => {
    expect(kinds(lifecycleEvents(undefined, created, ctx))).toEqual(["workload.created"]);
    // `docker run --rm -d x sh -c 'exit 3'`: created, started and finished before the inspect.
    const done = { state: "exited" as const, startedAt: 1000, finishedAt: 1200, exitCode: 3 };
    const events = lifecycleEvents(undefined, done, ctx);
    expect(kinds(events)).toEqual(["workload.created", "workload.started", "workload.exited"]);
    expect(events[2]).toMatchObject({ workloadId: "c1", data: { exitCode: 3 }, message: "web exited with code 3" });
  });

  it("reports a start once, however often the container is inspected", () => {
    expect(kinds(lifecycleEvents(created, running, ctx))).toEqual(["workload.started"]);
    expect(lifecycleEvents(running, running, ctx)).toEqual([]);
  });

  it("calls a requested stop 'stopped' and anything else 'exited', with the exit code", () => {
    const after = { state: "exited" as const, startedAt: 1000, finishedAt: 2000, exitCode: 143 };
    expect(lifecycleEvents(running, after, { ...ctx, stopRequested: true })).toEqual([
      { workloadId: "c1", kind: "workload.stopped", message: "web stopped (exit code 143)", data: { exitCode: 143 } },
    ]);
    const oom = { ...after, exitCode: 137, oomKilled: true };
    expect(lifecycleEvents(running, oom, ctx)).toEqual([
      {
        workloadId: "c1",
        kind: "workload.exited",
        message: "web exited with code 137",
        data: { exitCode: 137, oomKilled: true },
      },
    ]);
  });

  it("orders a restart as a finish followed by a start", () => {
    const restarted = { state: "running" as const, startedAt: 3000, finishedAt: 2900, exitCode: 1 };
    expect(kinds(lifecycleEvents(running, restarted, ctx))).toEqual(["workload.exited", "workload.started"]);
  });

  it("reports pause and resume, but not a resume that is really a new start", () => {
    const paused = { ...running, state: "paused" as const };
    expect(kinds(lifecycleEvents(running, paused, ctx))).toEqual(["workload.paused"]);
    expect(kinds(lifecycleEvents(paused, running, ctx))).toEqual(["workload.resumed"]);
    expect(kinds(lifecycleEvents(paused, { state: "running", startedAt: 5000, finishedAt: 4000 }, ctx))).toEqual([
      "workload.exited",
      "workload.started",
    ]);
  });
});

describe("snapshotOf", () => {
  it("takes state, times and exit details from an inspect document", () => {
    expect(
      snapshotOf({
        Id: "x",
        State: {
          Status: "exited",
          StartedAt: "2026-01-01T00:00:00Z",
          FinishedAt: "2026-01-01T00:00:01.5Z",
          ExitCode: 2,
          OOMKilled: false,
        },
      }),
    ).toEqual({
      state: "exited",
      startedAt: Date.UTC(2026, 0, 1),
      finishedAt: Date.UTC(2026, 0, 1, 0, 0, 1, 500),
      exitCode: 2,
    });
  });
});

describe("StopIntents", () => {
  it("remembers a stop request until cleared or expired", () => {
    const intents = new StopIntents(1000);
    intents.mark("a", "15", 0);
    expect(intents.has("a", 500)).toBe(true);
    expect(intents.has("a", 1500)).toBe(false);
    intents.mark("b", undefined, 0);
    intents.clear("b");
    expect(intents.has("b", 1)).toBe(false);
  });

  it("ignores signals that do not end a process", () => {
    const intents = new StopIntents();
    intents.mark("a", "SIGHUP");
    intents.mark("b", "10");
    intents.mark("c", "SIGKILL");
    expect([intents.has("a"), intents.has("b"), intents.has("c")]).toEqual([false, false, true]);
  });
});
