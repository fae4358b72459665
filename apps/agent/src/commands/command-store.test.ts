import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSilentLogger } from "../logger.js";
import { withTempDir } from "../testing/helpers.js";
import { CommandStore } from "./command-store.js";

const logger = createSilentLogger();
const result = (id: string) => ({ type: "command_result" as const, commandId: id, ts: 1, ok: true, result: {} });

describe("CommandStore", () => {
  it("remembers finished and started commands across a re-open", () =>
    withTempDir(async (dir) => {
      const path = join(dir, "commands.json");
      const store = await CommandStore.open(path, logger);
      await store.finish("a", result("a"));
      await store.markRunning("b");
      const reopened = await CommandStore.open(path, logger);
      expect(reopened.get("a")).toMatchObject({ state: "done", result: result("a") });
      expect(reopened.get("b")).toMatchObject({ state: "running" });
      expect(reopened.get("c")).toBeUndefined();
    }));

  it("keeps only the most recent commands", () =>
    withTempDir(async (dir) => {
      const path = join(dir, "commands.json");
      const store = await CommandStore.open(path, logger, 3);
      for (const id of ["1", "2", "3", "4"]) await store.finish(id, result(id));
      const reopened = await CommandStore.open(path, logger, 3);
      expect(reopened.get("1")).toBeUndefined();
      expect(reopened.get("4")?.state).toBe("done");
    }));
});
