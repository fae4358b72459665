// Starts PostgreSQL, the server, a private dockerd (with a locally made busybox image), one real
// agent (1 s interval) running the docker driver against that dockerd, and one simulated host
// with VMs and containers, for the browser tests; returns the teardown that stops them.
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import { type ContainerEngine, startEngine } from "../support/container-engines.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { AGENT_BIN, enrollAgent, newStateDir, type Proc, startProcess, startServer } from "../support/processes.js";
import { waitFor } from "../support/wait-for.js";

/** `flotilla-agent sim --count 1`, enrolled with a fresh token; resolves once its workloads are known. */
async function startSimHost(db: SeededDatabase, url: string): Promise<{ proc: Proc; hostId: string }> {
  const { token } = await createEnrollmentToken(db.prisma, {
    orgId: db.demo.orgId,
    teamId: db.demo.teamId,
    ttlMs: 60_000,
  });
  const stateDir = newStateDir();
  const tokenFile = join(stateDir, "tokens.json");
  writeFileSync(tokenFile, JSON.stringify([token]), { mode: 0o600 });
  const proc = startProcess([
    AGENT_BIN,
    "sim",
    ...["--server", url, "--count", "1", "--state-dir", stateDir, "--token-file", tokenFile],
    ...["--interval-ms", "1000", "--log-level", "warn"],
  ]);
  let hostId: string | undefined;
  await waitFor(
    async () => {
      const host = await db.prisma.host.findFirst({
        where: { orgId: db.demo.orgId, simulated: true, workloads: { some: { state: "running" } } },
        select: { id: true },
      });
      hostId = host?.id;
      return hostId !== undefined;
    },
    30_000,
    () => proc.output(),
  ).catch(async (err: unknown) => {
    await proc.stop("SIGKILL");
    throw err;
  });
  return { proc, hostId: hostId as string };
}

/**
 * The real agent on this machine, with the docker driver only (no QEMU or libvirt probing):
 * its workloads are the private dockerd's containers.
 */
function runDockerAgent(stateDir: string, engine: ContainerEngine): Proc {
  return startProcess(
    [
      AGENT_BIN,
      ...["run", "--state-dir", stateDir, "--interval-ms", "1000"],
      ...["--drivers", "docker", "--docker-socket", engine.socketPath],
    ],
    { LOG_LEVEL: "info" },
  );
}

export default async function globalSetup() {
  // dockerd and PostgreSQL start side by side: a few seconds each.
  const [db, engine] = await Promise.all([startSeededDatabase(), startEngine("docker")]);
  try {
    return await startFleet(db, engine);
  } catch (error) {
    // A dockerd left behind would keep its bridge, mounts and containers on this machine.
    await engine.stop();
    await db.stop();
    throw error;
  }
}

async function startFleet(db: SeededDatabase, engine: ContainerEngine) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // Alerting (alerts.e2e.ts): webhook secrets are sealed with the server key (required in
  // production mode), and the test's webhook receiver listens on loopback.
  process.env.FLOTILLA_SECRET_KEY ??= randomBytes(32).toString("base64");
  process.env.FLOTILLA_WEBHOOK_ALLOW_CIDRS ??= "127.0.0.0/8";
  const server = await startServer(db.url, port);
  const { token } = await createEnrollmentToken(db.prisma, {
    orgId: db.demo.orgId,
    teamId: db.demo.teamId,
    ttlMs: 60_000,
  });
  const stateDir = newStateDir();
  const enrolled = await enrollAgent(url, token, stateDir);
  if (enrolled.code !== 0) throw new Error(`agent enrolment failed:\n${enrolled.output}`);
  const { hostId } = JSON.parse(readFileSync(`${stateDir}/credentials.json`, "utf8")) as { hostId: string };
  const agent = runDockerAgent(stateDir, engine);
  const sim = await startSimHost(db, url);

  process.env.FLOTILLA_E2E_URL = url;
  process.env.FLOTILLA_E2E_EMAIL = db.email;
  process.env.FLOTILLA_E2E_PASSWORD = db.password;
  process.env.FLOTILLA_E2E_HOST_ID = hostId;
  process.env.FLOTILLA_E2E_SIM_HOST_ID = sim.hostId;
  // The real host's container engine, for tests that act on it as a user outside Flotilla would.
  process.env.FLOTILLA_E2E_DOCKER_SOCKET = engine.socketPath;
  process.env.FLOTILLA_E2E_BASE_IMAGE = engine.image;

  return async () => {
    await sim.proc.stop();
    await agent.stop();
    await server.stop();
    await db.stop();
    await engine.stop();
  };
}
