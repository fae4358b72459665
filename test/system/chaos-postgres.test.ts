// Chaos in the database: PostgreSQL is stopped and started again (same data, same port) while
// real bundled agents (sim driver) stream metrics and commands are in flight. The server must
// survive without a restart of its own, refuse requests clearly while the database is away,
// then deliver every command and store every batch exactly once.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  applyMigrations,
  createPrisma,
  type EmbeddedPostgresHandle,
  type PrismaClient,
  seedDemo,
  startEmbeddedPostgres,
} from "@flotilla/db";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandView } from "../../apps/web/src/server/commands/command-view.js";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import { readAgentSeq } from "../bench/lib/agent-samples.js";
import { freePort } from "../support/postgres.js";
import { AGENT_BIN, newStateDir, type Proc, startProcess, startServer } from "../support/processes.js";
import { waitFor } from "../support/wait-for.js";

const HOSTS = 2;
const EMAIL = "chaos@example.test";
const PASSWORD = "correct horse battery";

let dataDir: string;
let pgPort: number;
let database: EmbeddedPostgresHandle;
let prisma: PrismaClient;
let pool: pg.Pool;
let server: Proc;
let serverUrl: string;
let fleet: Proc | null = null;
let stateDir: string;
let demo: Awaited<ReturnType<typeof seedDemo>>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "flotilla-pg-chaos-"));
  pgPort = await freePort();
  database = await startEmbeddedPostgres({ dataDir, port: pgPort });
  await applyMigrations(database.url);
  prisma = createPrisma(database.url);
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  // The test's own connections die with the database too: expected here.
  pool.on("error", () => {});
  demo = await seedDemo(prisma, { email: EMAIL, password: PASSWORD, orgName: "Chaos" });
  const port = await freePort();
  serverUrl = `http://127.0.0.1:${port}`;
  server = await startServer(database.url, port, { ui: false });
});

afterAll(async () => {
  if (server && !serverAlive()) console.error(`the server died:\n${server.output().slice(-6000)}`);
  await fleet?.stop();
  await server?.stop();
  await pool?.end().catch(() => {});
  await prisma?.$disconnect().catch(() => {});
  await database?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function startFleet(): Promise<{ proc: Proc; agents: Array<{ agentId: string; hostId: string; dir: string }> }> {
  const tokens: string[] = [];
  for (let i = 0; i < HOSTS; i++) {
    tokens.push(
      (await createEnrollmentToken(prisma, { orgId: demo.orgId, teamId: demo.teamId, ttlMs: 120_000 })).token,
    );
  }
  stateDir = newStateDir();
  const tokenFile = join(stateDir, "tokens.json");
  writeFileSync(tokenFile, JSON.stringify(tokens));
  const proc = startProcess(
    [
      AGENT_BIN,
      ...["sim", "--server", serverUrl, "--count", String(HOSTS), "--state-dir", stateDir],
      ...["--token-file", tokenFile, "--interval-ms", "1000", "--name-prefix", "pgchaos"],
    ],
    { FLOTILLA_LOG_LEVEL: "info" },
  );
  const agents: Array<{ agentId: string; hostId: string; dir: string }> = [];
  await waitFor(
    async () => {
      agents.length = 0;
      for (let i = 1; i <= HOSTS; i++) {
        const dir = join(stateDir, `host-${String(i).padStart(3, "0")}`);
        const creds = await readFile(join(dir, "credentials.json"), "utf8").catch(() => null);
        if (creds) agents.push({ ...(JSON.parse(creds) as { agentId: string; hostId: string }), dir });
      }
      return (
        agents.length === HOSTS &&
        (await prisma.host.count({ where: { id: { in: agents.map((a) => a.hostId) }, status: "online" } })) === HOSTS
      );
    },
    60_000,
    () => proc.output(),
  );
  return { proc, agents };
}

async function restartDatabase(downMs: number): Promise<void> {
  await database.stop();
  await sleep(downMs);
  database = await startEmbeddedPostgres({ dataDir, port: pgPort });
}

function serverAlive(): boolean {
  return server.child.exitCode === null && server.child.signalCode === null;
}

describe("restart PostgreSQL during ingest and commands", () => {
  it("survives, refuses clearly while the database is away, then loses nothing", async () => {
    const { proc, agents } = await startFleet();
    fleet = proc;
    const session = new TrpcSession(serverUrl);
    expect((await session.mutate("auth.signIn", { email: EMAIL, password: PASSWORD })).status).toBe(200);
    await sleep(3_000);

    // Commands requested just before the database goes away: some are still being delivered.
    const before: string[] = [];
    for (const a of agents) {
      const res = await session.mutate<CommandView>("commands.request", {
        hostId: a.hostId,
        command: { name: "inventory.refresh", payload: {} },
      });
      expect(res.status, JSON.stringify(res.error)).toBe(200);
      before.push(res.data?.id as string);
    }
    await database.stop();

    // While it is away: a clear refusal, not a hang and not a crash.
    const started = Date.now();
    const refused = await session
      .mutate("commands.request", {
        hostId: agents[0]?.hostId,
        command: { name: "inventory.refresh", payload: {} },
      })
      .catch((err: Error) => {
        throw new Error(`${err.message}: the server is gone\n${server.output().slice(-4000)}`);
      });
    expect(refused.status).toBeGreaterThanOrEqual(500);
    expect(refused.error?.message).toBeTruthy();
    expect(Date.now() - started).toBeLessThan(30_000);
    await sleep(4_000);
    expect(serverAlive(), server.output()).toBe(true);
    database = await startEmbeddedPostgres({ dataDir, port: pgPort });

    // And once more during ingest, briefly.
    await sleep(4_000);
    await restartDatabase(1_500);
    expect(serverAlive(), server.output()).toBe(true);

    // The commands requested before the outage complete; a new one goes through at once.
    await waitFor(
      async () =>
        (await prisma.command.count({ where: { id: { in: before }, state: "succeeded" } }).catch(() => 0)) ===
        before.length,
      60_000,
      () => `${server.output().slice(-3000)}\n${proc.output().slice(-3000)}`,
    );
    const after = await session.mutate<CommandView>("commands.request", {
      hostId: agents[1]?.hostId,
      command: { name: "inventory.refresh", payload: {} },
    });
    expect(after.status, JSON.stringify(after.error)).toBe(200);
    await waitFor(
      async () => (await prisma.command.findUnique({ where: { id: after.data?.id } }))?.state === "succeeded",
      30_000,
      () => server.output().slice(-3000),
    );

    // Every batch the agents handed out is stored, once, without holes.
    await waitFor(
      async () => {
        for (const a of agents) {
          const { rows } = await pool.query<{ seq: string | null }>(
            "SELECT max(seq)::text AS seq FROM metric_batches WHERE agent_id = $1",
            [a.agentId],
          );
          if (Number(rows[0]?.seq ?? 0) < readAgentSeq(a.dir) - 1) return false;
        }
        return true;
      },
      60_000,
      () => proc.output().slice(-3000),
    );
    for (const a of agents) {
      const { rows } = await pool.query<{ n: number; max: string; dupes: number }>(
        `SELECT count(*)::int AS n, max(seq)::text AS max,
                (SELECT count(*)::int FROM (SELECT seq, kind, workload_id, ts FROM samples WHERE agent_id = $1
                   GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) d) AS dupes
           FROM metric_batches WHERE agent_id = $1`,
        [a.agentId],
      );
      expect(rows[0]?.n, `batches of ${a.agentId}`).toBe(Number(rows[0]?.max));
      expect(rows[0]?.dupes).toBe(0);
    }
    expect(serverAlive()).toBe(true);
    expect(server.output()).not.toMatch(/uncaught|unhandled/i);
  });
});
