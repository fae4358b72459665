import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { enrollRequestSchema, type HostInfo } from "@flotilla/protocol";
import { describe, expect, it } from "vitest";
import { EnrollError, enrollAgent } from "./enroll.js";
import { AgentError } from "./errors.js";
import { createSilentLogger } from "./logger.js";
import { FakeGateway } from "./testing/fake-gateway.js";
import { withTempDir } from "./testing/helpers.js";

const host: HostInfo = {
  machineId: "0123456789abcdef0123456789abcdef",
  hostname: "node-1",
  cpuModel: "Test CPU",
  cpuCores: 4,
  memoryBytes: 8 * 1024 ** 3,
  os: "Test OS",
  kernel: "6.1.0",
  arch: "x86_64",
  kvm: false,
  drivers: ["proc"],
};
const logger = createSilentLogger();

async function withGateway(fn: (gateway: FakeGateway, dir: string) => Promise<void>) {
  const gateway = await FakeGateway.start();
  try {
    await withTempDir((dir) => fn(gateway, join(dir, "state")));
  } finally {
    await gateway.close();
  }
}

describe("enrollAgent", () => {
  it("trades the token for credentials and stores them with mode 0600", () =>
    withGateway(async (gateway, stateDir) => {
      const token = gateway.newToken();
      const credentials = await enrollAgent({ server: gateway.url, token, stateDir, host, logger });

      const agent = gateway.agents.get(credentials.agentId);
      expect(enrollRequestSchema.safeParse(agent?.enrolledWith).success).toBe(true);
      expect(agent?.enrolledWith).toMatchObject({ token, host, agentVersion: expect.any(String) });
      const path = join(stateDir, "credentials.json");
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
      expect(JSON.parse(await readFile(path, "utf8"))).toEqual({
        server: gateway.url,
        agentId: agent?.agentId,
        hostId: agent?.hostId,
        secret: agent?.secret,
      });
    }));

  it("explains a used or expired token (410) and an invalid one (401)", () =>
    withGateway(async (gateway, stateDir) => {
      const token = gateway.newToken();
      gateway.tokens.set(token, false);
      const used = enrollAgent({ server: gateway.url, token, stateDir, host, logger });
      await expect(used).rejects.toThrow(/already used or has expired/);
      await expect(used).rejects.toMatchObject({ status: 410, code: "enroll_rejected" });

      const unknown = enrollAgent({ server: gateway.url, token: "tok_unknown_unknown", stateDir, host, logger });
      await expect(unknown).rejects.toThrow(/token is not valid \(unknown or expired\) \(invalid token\)/);
      await expect(stat(join(stateDir, "credentials.json"))).rejects.toThrow(/ENOENT/);
    }));

  it("reports a server that cannot be reached", async () => {
    const gateway = await FakeGateway.start();
    const url = gateway.url;
    await gateway.close();
    await withTempDir(async (dir) => {
      const attempt = enrollAgent({ server: url, token: "tok_0123456789abcdef", stateDir: dir, host, logger });
      await expect(attempt).rejects.toBeInstanceOf(EnrollError);
      await expect(attempt).rejects.toThrow(/cannot reach .*ECONNREFUSED/);
    });
  });

  it("refuses to replace credentials unless forced, before spending the token", () =>
    withGateway(async (gateway, stateDir) => {
      const first = await enrollAgent({ server: gateway.url, token: gateway.newToken(), stateDir, host, logger });
      const token = gateway.newToken();
      const again = enrollAgent({ server: gateway.url, token, stateDir, host, logger });
      await expect(again).rejects.toBeInstanceOf(AgentError);
      await expect(again).rejects.toThrow(new RegExp(`already holds credentials for agent ${first.agentId}`));
      expect(gateway.tokens.get(token)).toBe(true);

      const forced = await enrollAgent({ server: gateway.url, token, stateDir, host, logger, force: true });
      expect(forced.agentId).not.toBe(first.agentId);
      expect((await stat(join(stateDir, "credentials.json"))).mode & 0o777).toBe(0o600);
    }));
});
