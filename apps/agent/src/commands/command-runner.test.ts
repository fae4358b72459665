import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CommandFrame, CommandProgressFrame, CommandResultFrame } from "@flotilla/protocol";
import { describe, expect, it } from "vitest";
import { createSilentLogger } from "../logger.js";
import { sleep, waitUntil, withTempDir } from "../testing/helpers.js";
import { CommandRunner } from "./command-runner.js";
import { CommandStore } from "./command-store.js";
import type { CommandHandlers } from "./handler.js";
import { CommandRegistry } from "./registry.js";

const logger = createSilentLogger();
type Sent = CommandProgressFrame | CommandResultFrame;

function logs(id: string, deadline = Date.now() + 60_000): CommandFrame {
  return {
    type: "command",
    id,
    deadline,
    command: { name: "container.logs", payload: { workloadId: "w1", follow: true, timestamps: false } },
  };
}

/** A runner over a real store in `dir`, with `handlers`, recording what it sends. */
async function setup(dir: string, handlers: CommandHandlers) {
  const store = await CommandStore.open(join(dir, "commands.json"), logger);
  const registry = new CommandRegistry(logger);
  registry.registerAll(handlers, "test");
  const sent: Sent[] = [];
  const runner = new CommandRunner({
    store,
    registry,
    send: (f) => sent.push(f) > 0,
    logger,
    abortGraceMs: 200,
  });
  const results = () => sent.filter((f): f is CommandResultFrame => f.type === "command_result");
  return { store, runner, sent, results };
}

/** A follow-style handler: streams until its signal fires; counts how often it was started. */
function streaming(calls: { count: number }): CommandHandlers {
  return {
    "container.logs": async (_payload, ctx) => {
      calls.count += 1;
      let n = 0;
      while (!ctx.signal.aborted) {
        ctx.output("stdout", [`line ${n++}`]);
        await sleep(20);
      }
      return { lines: n };
    },
  };
}

describe("CommandRunner", () => {
  it("records the id as started on disk before the handler runs", () =>
    withTempDir(async (dir) => {
      let onDisk = "";
      const { runner, results } = await setup(dir, {
        "inventory.refresh": async () => {
          onDisk = await readFile(join(dir, "commands.json"), "utf8");
          return {};
        },
      });
      await runner.handle({
        type: "command",
        id: "c1",
        deadline: Date.now() + 5000,
        command: { name: "inventory.refresh", payload: {} },
      });
      expect(JSON.parse(onDisk).commands).toEqual([expect.objectContaining({ id: "c1", state: "running" })]);
      expect(results()).toEqual([expect.objectContaining({ commandId: "c1", ok: true })]);
    }));

  it("runs an id once however often it is delivered, and answers repeats from its record", () =>
    withTempDir(async (dir) => {
      const calls = { count: 0 };
      const { runner, sent, results } = await setup(dir, streaming(calls));
      const first = runner.handle(logs("c1"));
      const second = runner.handle(logs("c1"));
      await second;
      expect(sent.some((f) => f.type === "command_progress" && f.message === "already running")).toBe(true);
      await waitUntil(() => sent.some((f) => f.type === "command_progress" && f.data), 2000, "output");
      await runner.cancel("c1");
      await first;
      await runner.handle(logs("c1"));
      expect(calls.count).toBe(1);
      expect(results()).toHaveLength(2);
      expect(results()[1]).toEqual(results()[0]);
      expect(results()[0]).toMatchObject({
        ok: false,
        error: { code: "cancelled" },
        result: { lines: expect.any(Number) },
      });
    }));

  it("streams output as {stream, lines} chunks before the result", () =>
    withTempDir(async (dir) => {
      const { runner, sent } = await setup(dir, {
        "container.logs": async (_p, ctx) => {
          ctx.output("stdout", ["a", "b"]);
          ctx.output("stderr", ["oops"]);
          ctx.progress(0.5, "half");
          ctx.output("stdout", ["c"]);
          return { lines: 4 };
        },
      });
      await runner.handle(logs("c1"));
      expect(sent.map((f) => (f.type === "command_result" ? "result" : (f.data ?? f.message)))).toEqual([
        { stream: "stdout", lines: ["a", "b"] },
        { stream: "stderr", lines: ["oops"] },
        "half",
        { stream: "stdout", lines: ["c"] },
        "result",
      ]);
      expect(sent[2]).toMatchObject({ progress: 0.5, message: "half" });
    }));

  it("answers `interrupted` for an id an earlier process started, without running it", () =>
    withTempDir(async (dir) => {
      const crashed = await CommandStore.open(join(dir, "commands.json"), logger);
      await crashed.markRunning("c1");
      const calls = { count: 0 };
      const { runner, results } = await setup(dir, streaming(calls));
      await runner.handle(logs("c1"));
      await runner.handle(logs("c1"));
      expect(calls.count).toBe(0);
      expect(results().map((r) => r.error?.code)).toEqual(["interrupted", "interrupted"]);
    }));

  it("stops a command at its deadline", () =>
    withTempDir(async (dir) => {
      const calls = { count: 0 };
      const { runner, results } = await setup(dir, streaming(calls));
      await runner.handle(logs("c1", Date.now() + 150));
      expect(results()[0]).toMatchObject({ ok: false, error: { code: "deadline_exceeded" } });
      await runner.handle(logs("c2", Date.now() - 1));
      expect(results()[1]).toMatchObject({ ok: false, error: { code: "deadline_exceeded" } });
      expect(calls.count).toBe(1);
    }));

  it("remembers a cancel for an id it has not seen, and never runs that id", () =>
    withTempDir(async (dir) => {
      const calls = { count: 0 };
      const { runner, results } = await setup(dir, streaming(calls));
      await runner.cancel("c1");
      await runner.handle(logs("c1"));
      expect(calls.count).toBe(0);
      expect(results().map((r) => r.error?.code)).toEqual(["cancelled", "cancelled"]);
    }));

  it("reports an abandoned handler even if it ignores its signal", () =>
    withTempDir(async (dir) => {
      const { runner, results } = await setup(dir, {
        "container.logs": () => new Promise(() => {}),
      });
      const running = runner.handle(logs("c1"));
      await sleep(20);
      await runner.cancel("c1");
      await running;
      expect(results()[0]).toMatchObject({ ok: false, error: { code: "cancelled" } });
    }));

  it("answers unknown_command for a name without a handler, and interrupts everything on stop", () =>
    withTempDir(async (dir) => {
      const calls = { count: 0 };
      const { runner, results } = await setup(dir, streaming(calls));
      await runner.handle({
        type: "command",
        id: "c0",
        deadline: Date.now() + 5000,
        command: { name: "image.list", payload: {} },
      });
      expect(results()[0]).toMatchObject({ ok: false, error: { code: "unknown_command" } });
      const running = runner.handle(logs("c1"));
      await waitUntil(() => runner.runningCount === 1, 2000, "running");
      await runner.stopAll();
      await running;
      expect(results()[1]).toMatchObject({ commandId: "c1", ok: false, error: { code: "interrupted" } });
    }));
});
