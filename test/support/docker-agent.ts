/** Enrols a real bundled agent that runs the docker driver against `socketPath`, and waits until its host is online. */
import { readFileSync } from "node:fs";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import type { SeededDatabase } from "./postgres.js";
import { AGENT_BIN, enrollAgent, newStateDir, type Proc, startProcess } from "./processes.js";
import { waitFor } from "./wait-for.js";

export async function startDockerAgent(
  serverUrl: string,
  db: SeededDatabase,
  socketPath: string,
): Promise<{ agent: Proc; hostId: string; stateDir: string }> {
  const { token } = await createEnrollmentToken(db.prisma, {
    orgId: db.demo.orgId,
    teamId: db.demo.teamId,
    ttlMs: 60_000,
  });
  const stateDir = newStateDir();
  const enrolled = await enrollAgent(serverUrl, token, stateDir);
  if (enrolled.code !== 0) throw new Error(`agent enrolment failed:\n${enrolled.output}`);
  const { hostId } = JSON.parse(readFileSync(`${stateDir}/credentials.json`, "utf8")) as { hostId: string };
  const agent = startProcess([
    AGENT_BIN,
    ...["run", "--state-dir", stateDir, "--interval-ms", "1000"],
    ...["--drivers", "docker", "--docker-socket", socketPath],
  ]);
  await waitFor(
    async () => (await db.prisma.host.findUnique({ where: { id: hostId } }))?.status === "online",
    30_000,
    () => agent.output(),
  );
  return { agent, hostId, stateDir };
}
