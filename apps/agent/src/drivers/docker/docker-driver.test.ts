// The driver against real engines is tested in test/system (docker-driver, podman-driver); here
// only what needs no engine: an engine that is not there must not hold up or break the agent.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
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
