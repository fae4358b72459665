import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSilentLogger } from "./logger.js";
import { SimFleet } from "./sim-fleet.js";
import { readCredentials } from "./state/credentials.js";
import { FakeGateway } from "./testing/fake-gateway.js";
import { withTempDir } from "./testing/helpers.js";

describe("SimFleet", () => {
  it("enrols hosts from the token file once, each with its own state and connection", () =>
    withTempDir(async (dir) => {
      const gateway = await FakeGateway.start();
      try {
        const used = gateway.newToken();
        gateway.tokens.set(used, false);
        const tokens = [used, gateway.newToken(), gateway.newToken(), gateway.newToken()];
        const tokenFile = join(dir, "tokens.json");
        await writeFile(tokenFile, JSON.stringify(tokens));
        const options = {
          server: gateway.url,
          count: 3,
          stateDir: join(dir, "fleet"),
          tokenFile,
          intervalMs: 1000,
          spoolMaxBytes: 1 << 24,
          seed: 1,
          namePrefix: "sim",
          logger: createSilentLogger(),
        };

        const fleet = new SimFleet(options);
        expect(await fleet.start()).toBe(3);
        await gateway.waitFor(
          () => new Set(gateway.framesOf("metrics").map((f) => f.agentId)).size === 3,
          8000,
          "3 hosts",
        );
        await fleet.stop();

        expect(gateway.agents.size).toBe(3);
        expect([...gateway.tokens.values()]).toEqual([false, false, false, false]);
        const hostnames = [...gateway.agents.values()].map((a) => a.enrolledWith?.host.hostname).sort();
        expect(hostnames).toEqual(["sim-001", "sim-002", "sim-003"]);
        const machineIds = new Set([...gateway.agents.values()].map((a) => a.enrolledWith?.host.machineId));
        expect(machineIds.size).toBe(3);
        for (const host of ["host-001", "host-002", "host-003"]) {
          expect((await stat(join(dir, "fleet", host, "credentials.json"))).mode & 0o777).toBe(0o600);
          const creds = await readCredentials(join(dir, "fleet", host));
          const fullInventory = gateway.framesOf("inventory", creds?.agentId).find((f) => f.frame.full);
          // The machine id stays the one sent at enrolment.
          expect(fullInventory?.frame.host?.machineId).toBe(
            gateway.agents.get(creds?.agentId ?? "")?.enrolledWith?.host.machineId,
          );
        }

        // A restart reuses the credentials: no token needed, no new agents.
        const again = new SimFleet({ ...options, tokenFile: undefined });
        expect(await again.start()).toBe(3);
        await gateway.waitFor(() => gateway.framesOf("hello").length === 6, 8000, "3 more hellos");
        await again.stop();
        expect(gateway.agents.size).toBe(3);
      } finally {
        await gateway.close();
      }
    }));
});
