// The docker driver against a real dockerd: the shared contract in-process, then end to end
// through the bundled agent, the real server and PostgreSQL.
import { readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import { type ContainerEngine, runContainer, startEngine } from "../support/container-engines.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { AGENT_BIN, enrollAgent, newStateDir, type Proc, startProcess, startServer } from "../support/processes.js";
import { waitFor } from "../support/wait-for.js";
import { describeDockerDriver } from "./docker-driver-contract.js";

describeDockerDriver("docker");

describe("docker driver end to end", () => {
  let engine: ContainerEngine;
  let db: SeededDatabase;
  let server: Proc;
  let serverUrl: string;

  beforeAll(async () => {
    [engine, db] = await Promise.all([startEngine("docker"), startSeededDatabase()]);
    const port = await freePort();
    serverUrl = `http://127.0.0.1:${port}`;
    server = await startServer(db.url, port, { ui: false });
  });

  afterAll(async () => {
    await server?.stop();
    // pool.end() resolves before its sockets close; PostgreSQL stopping right after can reach a
    // closing client, whose error the pool re-emits with nobody listening (an unhandled error).
    db?.pool.on("error", () => {});
    await Promise.all([db?.stop(), engine?.stop()]);
  });

  async function workloadRow(hostId: string, containerId: string) {
    const { rows } = await db.pool.query<{
      state: string;
      name: string;
      labels: unknown;
      ports: unknown;
      vcpus: number;
    }>(`SELECT state, name, labels, ports, vcpus FROM workloads WHERE host_id = $1 AND external_id = $2`, [
      hostId,
      containerId,
    ]);
    return rows[0];
  }

  async function containerSamples(hostId: string, containerId: string) {
    const { rows } = await db.pool.query<{ cpu_cores: number; mem_used_bytes: number; kind: string }>(
      `SELECT cpu_cores, mem_used_bytes, kind FROM samples WHERE host_id = $1 AND workload_id = $2 ORDER BY ts`,
      [hostId, containerId],
    );
    return rows;
  }

  it("carries a container's inventory, samples and exit from the bundled agent to PostgreSQL", async () => {
    const busy = await runContainer(engine, {
      name: "e2e-busy",
      cmd: ["sh", "-c", "while :; do :; done"],
      labels: { app: "e2e" },
      publish: [8080],
      cpus: 1.5,
    });
    const { token } = await createEnrollmentToken(db.prisma, {
      orgId: db.demo.orgId,
      teamId: db.demo.teamId,
      ttlMs: 60_000,
    });
    const stateDir = newStateDir();
    const enrolled = await enrollAgent(serverUrl, token, stateDir);
    expect(enrolled.code, enrolled.output).toBe(0);
    const { hostId } = JSON.parse(readFileSync(`${stateDir}/credentials.json`, "utf8")) as { hostId: string };

    const agent = startProcess([
      AGENT_BIN,
      ...["run", "--state-dir", stateDir, "--interval-ms", "1000"],
      ...["--drivers", "docker", "--docker-socket", engine.socketPath],
    ]);
    try {
      await waitFor(
        async () => (await workloadRow(hostId, busy))?.state === "running",
        30_000,
        () => agent.output(),
      );
      const row = await workloadRow(hostId, busy);
      expect(row).toMatchObject({ name: "e2e-busy", labels: { app: "e2e" }, vcpus: 1.5 });
      expect(row?.ports).toEqual([
        { hostIp: "127.0.0.1", hostPort: expect.any(Number), containerPort: 8080, protocol: "tcp" },
      ]);

      await waitFor(
        async () => (await containerSamples(hostId, busy)).some((s) => s.cpu_cores > 0.5),
        30_000,
        () => agent.output(),
      );
      const samples = await containerSamples(hostId, busy);
      expect(samples.every((s) => s.kind === "container" && s.mem_used_bytes > 0)).toBe(true);

      // Stopped outside Flotilla: the row follows and the exit is recorded as an event.
      await engine.api.getContainer(busy).stop({ t: 2 });
      await waitFor(
        async () => (await workloadRow(hostId, busy))?.state === "exited",
        10_000,
        () => agent.output(),
      );
      const stopEvents = async () =>
        (
          await db.pool.query<{ data: unknown }>(
            `SELECT data FROM host_events WHERE host_id = $1 AND workload_id = $2 AND kind = 'workload.stopped'`,
            [hostId, busy],
          )
        ).rows;
      await waitFor(
        async () => (await stopEvents()).length > 0,
        10_000,
        () => agent.output(),
      );
      expect(await stopEvents()).toEqual([{ data: { exitCode: expect.any(Number) } }]);
    } finally {
      expect(await agent.stop()).toBe(0);
    }
    const host = await db.prisma.host.findUniqueOrThrow({ where: { id: hostId } });
    expect(host.drivers).toContain("docker");
    rmSync(stateDir, { recursive: true, force: true });
  });
});
