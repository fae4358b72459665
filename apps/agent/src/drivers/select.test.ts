import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSilentLogger } from "../logger.js";
import { withTempDir } from "../testing/helpers.js";
import { selectRealHost } from "./select.js";

describe("selectRealHost", () => {
  it("runs exactly the listed drivers, or none, whether or not their runtime answers", async () => {
    await withTempDir(async (stateDir) => {
      const logger = createSilentLogger();
      const dockerSocket = join(stateDir, "no-engine.sock");
      const listed = await selectRealHost({ stateDir, drivers: ["docker"], dockerSocket, logger });
      expect(listed.drivers.map((d) => d.name)).toEqual(["docker"]);
      expect(listed.hostCollector.driver).toBe("proc");
      const none = await selectRealHost({ stateDir, drivers: [], dockerSocket, logger });
      expect(none.drivers).toEqual([]);
    });
  });

  it("leaves out, in auto mode, a docker engine that does not answer", async () => {
    await withTempDir(async (stateDir) => {
      const dockerSocket = join(stateDir, "no-engine.sock");
      const auto = await selectRealHost({ stateDir, drivers: "auto", dockerSocket, logger: createSilentLogger() });
      expect(auto.drivers.map((d) => d.name)).not.toContain("docker");
    });
  });
});
