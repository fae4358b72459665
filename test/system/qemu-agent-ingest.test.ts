// End to end with a real VM: an agent running the qemu driver (in-process, with the real /proc
// host collector) streams to the real server on a real PostgreSQL. The test guest's row must
// reach `workloads` and its samples `samples`, keyed by the VM's uuid.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../../apps/agent/src/agent.js";
import { ProcHostCollector } from "../../apps/agent/src/collectors/host-proc.js";
import { createQemuDriver } from "../../apps/agent/src/drivers/qemu/index.js";
import { enrollAgent } from "../../apps/agent/src/enroll.js";
import { createSilentLogger } from "../../apps/agent/src/logger.js";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import type { Proc } from "../support/processes.js";
import { startServer } from "../support/processes.js";
import { ensureGuest, hasQemu, janitor, newVmStateDir } from "../support/qemu.js";
import { waitFor } from "../support/wait-for.js";

const logger = createSilentLogger();
let db: SeededDatabase;
let server: Proc;
let serverUrl: string;

beforeAll(async () => {
  if (!hasQemu()) throw new Error("qemu-system-x86_64 is missing: apt-get install qemu-system-x86 qemu-utils");
  db = await startSeededDatabase();
  const port = await freePort();
  serverUrl = `http://127.0.0.1:${port}`;
  server = await startServer(db.url, port, { ui: false });
});

afterAll(async () => {
  janitor.cleanAll();
  await server?.stop();
  await db?.stop();
});

describe("agent with the qemu driver -> gateway -> PostgreSQL", () => {
  it("stores the VM's workload row and its samples under its uuid", async () => {
    const stateDir = newVmStateDir();
    const hostCollector = new ProcHostCollector({ stateDir });
    const { token } = await createEnrollmentToken(db.prisma, {
      orgId: db.demo.orgId,
      teamId: db.demo.teamId,
      ttlMs: 60_000,
    });
    const credentials = await enrollAgent({
      server: serverUrl,
      token,
      stateDir,
      host: { ...(await hostCollector.hostFacts()), drivers: ["proc", "qemu"] },
      logger,
    });
    const driver = createQemuDriver({ stateDir, logger });
    const agent = new Agent({
      stateDir,
      credentials,
      intervalMs: 1000,
      hostCollector,
      drivers: [driver],
      logger,
      spoolMaxBytes: 8 * 1024 * 1024,
    });
    const guest = ensureGuest();
    const port = await freePort();
    try {
      await agent.start();
      const def = await driver.createVm({
        name: "ingest-guest",
        memoryMiB: 128,
        kernel: { path: guest.kernel, initrd: guest.initrd, append: "console=ttyS0 quiet" },
        network: { mode: "user", hostfwd: [{ hostPort: port, guestPort: 80 }] },
        labels: { test: "ingest" },
      });
      await driver.startVm(def.uuid);

      const row = async () =>
        (
          await db.pool.query<{ state: string; kind: string; driver: string; vcpus: number; memory_bytes: string }>(
            `SELECT state, kind, driver, vcpus, memory_bytes FROM workloads WHERE host_id = $1 AND external_id = $2`,
            [credentials.hostId, def.uuid],
          )
        ).rows[0];
      await waitFor(async () => (await row())?.state === "running", 30_000);
      expect(await row()).toEqual({
        state: "running",
        kind: "vm",
        driver: "qemu",
        vcpus: 1,
        memory_bytes: String(128 * 1024 * 1024),
      });

      const samples = async () =>
        (
          await db.pool.query<{ kind: string; cpu_cores: number; mem_total_bytes: number }>(
            `SELECT kind, cpu_cores, mem_total_bytes FROM samples WHERE host_id = $1 AND workload_id = $2 ORDER BY ts`,
            [credentials.hostId, def.uuid],
          )
        ).rows;
      await waitFor(async () => (await samples()).length >= 3, 30_000);
      const stored = await samples();
      expect(stored.every((s) => s.kind === "vm" && s.mem_total_bytes === 128 * 1024 * 1024)).toBe(true);
      expect(Math.max(...stored.map((s) => s.cpu_cores)), "the booting guest's CPU time").toBeGreaterThan(0);

      await driver.stopVm(def.uuid, true);
      await waitFor(async () => (await row())?.state === "stopped", 15_000);
    } finally {
      await agent.stop();
      janitor.clean(stateDir);
    }
  });
});
