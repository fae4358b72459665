// The driver against real engines is tested in test/system (docker-driver, podman-driver); here
// only what needs no engine: an engine that is not there must not hold up or break the agent.
import { join } from "node:path";
import { COMMAND_NAMES } from "@flotilla/protocol";
import { describe, expect, it } from "vitest";
import type { CommandHandlerContext } from "../../commands/handler.js";
import { createSilentLogger } from "../../logger.js";
import { withTempDir } from "../../testing/helpers.js";
import { DockerDriver } from "./docker-driver.js";
import { detectDocker } from "./index.js";

describe("docker driver without an engine", () => {
  it("starts at once, reports nothing, and stops", async () => {
    await withTempDir(async (dir) => {
      const socketPath = join(dir, "absent.sock");
      expect(await detectDocker([socketPath], 500)).toBeUndefined();
      const driver = new DockerDriver({ socketPath, logger: createSilentLogger() });
      const started = Date.now();
      await driver.start({ inventoryChanged: () => {}, event: () => {} });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await driver.inventory()).toEqual([]);
      expect(await driver.sample(Date.now())).toEqual([]);
      await expect(driver.startWorkload("abc")).rejects.toThrow(/ENOENT/);
      await driver.stop();
    });
  });
});

describe("docker driver commands without an engine", () => {
  it("offers every container and image command, and fails them with the engine's absence", async () => {
    await withTempDir(async (dir) => {
      const driver = new DockerDriver({ socketPath: join(dir, "absent.sock"), logger: createSilentLogger() });
      const handlers = driver.commandHandlers();
      const offered = Object.keys(handlers).sort();
      expect(offered).toEqual(COMMAND_NAMES.filter((n) => /^(container|image)\./.test(n)).sort());
      const ctx = {
        commandId: "c1",
        deadline: Date.now() + 10_000,
        signal: new AbortController().signal,
        log: createSilentLogger(),
        progress: () => {},
        output: () => {},
        fetchBlob: async () => Buffer.alloc(0),
      } satisfies CommandHandlerContext;
      await expect(handlers["image.list"]?.({}, ctx)).rejects.toMatchObject({
        code: "command_failed",
        message: expect.stringMatching(/ENOENT/),
      });
    });
  });
});
