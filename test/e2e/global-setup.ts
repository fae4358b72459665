// Starts PostgreSQL, the server and one real agent (1 s interval) for the browser tests,
// and returns the teardown that stops them.
import { readFileSync } from "node:fs";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import { freePort, startSeededDatabase } from "../support/postgres.js";
import { enrollAgent, newStateDir, runAgent, startServer } from "../support/processes.js";

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

  process.env.FLOTILLA_E2E_URL = url;
  process.env.FLOTILLA_E2E_EMAIL = db.email;
  process.env.FLOTILLA_E2E_PASSWORD = db.password;
  process.env.FLOTILLA_E2E_HOST_ID = hostId;

  return async () => {
    await agent.stop();
    await server.stop();
    await db.stop();
  };
}
