// Starts PostgreSQL, the server, one real agent (1 s interval) and one simulated host with VMs
// and containers (the real agent has no workloads) for the browser tests, and returns the
// teardown that stops them.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import {
  AGENT_BIN,
  enrollAgent,
  newStateDir,
  type Proc,
  runAgent,
  startProcess,
  startServer,
} from "../support/processes.js";
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

export default async function globalSetup() {
  const db = await startSeededDatabase();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
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
  const agent = runAgent(stateDir, 1000);
  const sim = await startSimHost(db, url);

  process.env.FLOTILLA_E2E_URL = url;
  process.env.FLOTILLA_E2E_EMAIL = db.email;
  process.env.FLOTILLA_E2E_PASSWORD = db.password;
  process.env.FLOTILLA_E2E_HOST_ID = hostId;
  process.env.FLOTILLA_E2E_SIM_HOST_ID = sim.hostId;

  return async () => {
    await sim.proc.stop();
    await agent.stop();
    await server.stop();
    await db.stop();
  };
}
