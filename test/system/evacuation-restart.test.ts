// An evacuation survives its server: host A holds four containers (its own private dockerd),
// host B an empty one; both agents run in-process against a real server process on a real
// PostgreSQL. The evacuation moves one container at a time; once the first has moved, the server
// is killed (SIGKILL: no chance to tidy up) and a new one started on the same port. The agents
// reconnect and the new server resumes the evacuation from its row: the remaining moves run,
// none twice, and every container ends on B answering with its own greeting.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSilentLogger } from "../../apps/agent/src/logger.js";
import type { EvacuationView } from "../../apps/web/src/server/maintenance/evacuation-view.js";
import { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import { type ContainerEngine, startEngine } from "../support/container-engines.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { type Proc, startServer } from "../support/processes.js";
import { runCommand } from "../support/vm-hosts.js";
import { waitFor } from "../support/wait-for.js";
import { fetchText, type MixedHost, publishedPort, startMixedHost } from "./mixed-hosts.js";

const logger = createSilentLogger();
const COUNT = 4;
let db: SeededDatabase;
let server: Proc;
let port: number;
let url: string;
let owner: TrpcSession;
let engines: ContainerEngine[] = [];
let A: MixedHost;
let B: MixedHost;
const containers: Array<{ id: string; greeting: string }> = [];

async function signIn(): Promise<TrpcSession> {
  const session = new TrpcSession(url);
  expect((await session.mutate("auth.signIn", { email: db.email, password: db.password })).status).toBe(200);
  return session;
}

beforeAll(async () => {
  const [ea, eb, database] = await Promise.all([startEngine("docker"), startEngine("docker"), startSeededDatabase()]);
  engines = [ea, eb];
  db = database;
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = await startServer(db.url, port, { ui: false });
  owner = await signIn();
  A = await startMixedHost(db, url, logger, ea);
  B = await startMixedHost(db, url, logger, eb);
  for (let i = 0; i < COUNT; i++) {
    const greeting = `container ${i} ${randomBytes(3).toString("hex")}`;
    const created = await runCommand(owner, A.hostId, {
      name: "container.create",
      payload: {
        image: ea.image,
        name: `restart-web-${i}`,
        ports: [{ containerPort: 80 }],
        env: { GREETING: greeting },
        command: ["sh", "-c", 'mkdir -p /www && echo "$GREETING" > /www/index.html && exec httpd -f -p 80 -h /www'],
      },
    });
    expect(created.state, JSON.stringify(created.error)).toBe("succeeded");
    const externalId = created.result?.workloadId as string;
    let id = "";
    await waitFor(async () => {
      const row = await db.prisma.workload.findFirst({ where: { hostId: A.hostId, externalId } });
      id = row?.id ?? "";
      return row?.state === "running";
    }, 30_000);
    containers.push({ id, greeting });
  }
}, 180_000);

afterAll(async () => {
  await A?.agent.stop();
  await B?.agent.stop();
  await server?.stop();
  db?.pool.on("error", () => {});
  await Promise.all([db?.stop(), ...engines.map((e) => e.stop())]);
});

describe("an evacuation in progress when its server dies", () => {
  it("is resumed by the next server: the remaining moves run once each and A ends empty", async () => {
    const entered = await owner.mutate<{ evacuation: EvacuationView }>("maintenance.enter", {
      hostId: A.hostId,
      evacuate: true,
      concurrency: 1,
    });
    expect(entered.error).toBeUndefined();
    const evacuationId = entered.data?.evacuation.id as string;
    expect(entered.data?.evacuation.moves).toHaveLength(COUNT);

    // Killed once the first move has finished and before the last one has.
    await waitFor(async () => {
      const row = await db.prisma.evacuation.findUniqueOrThrow({ where: { id: evacuationId } });
      const moves = row.moves as Array<{ state: string }>;
      return moves.some((m) => m.state === "succeeded");
    }, 120_000);
    await server.stop("SIGKILL");
    const atKill = await db.prisma.evacuation.findUniqueOrThrow({ where: { id: evacuationId } });
    const movedAtKill = (atKill.moves as Array<{ state: string }>).filter((m) => m.state === "succeeded").length;
    expect(atKill.state).toBe("running");
    expect(movedAtKill).toBeGreaterThan(0);
    expect(movedAtKill).toBeLessThan(COUNT);

    server = await startServer(db.url, port, { ui: false });
    owner = await signIn();
    let last: EvacuationView | undefined;
    await waitFor(
      async () => {
        last =
          (await owner.query<{ evacuation: EvacuationView | null }>("maintenance.get", { hostId: A.hostId })).data
            ?.evacuation ?? undefined;
        return ["succeeded", "failed", "cancelled"].includes(last?.state ?? "");
      },
      180_000,
      () => `${JSON.stringify(last)}\n--- server ---\n${server.output()}`,
    );
    expect(last, JSON.stringify(last)).toMatchObject({
      id: evacuationId,
      state: "succeeded",
      error: null,
      progress: 1,
    });
    expect(last?.moves.every((m) => m.state === "succeeded" && m.migrationId)).toBe(true);

    // One migration per container: the moves begun before the kill were followed, not repeated.
    const migrations = await db.prisma.migration.findMany({ where: { evacuationId } });
    expect(migrations).toHaveLength(COUNT);
    expect(new Set(migrations.map((m) => m.workloadId)).size).toBe(COUNT);
    expect(migrations.every((m) => m.state === "succeeded")).toBe(true);

    expect(await db.prisma.workload.count({ where: { hostId: A.hostId, removedAt: null } })).toBe(0);
    expect(await db.prisma.workload.count({ where: { hostId: B.hostId, removedAt: null } })).toBe(COUNT);
    expect(await A.docker.inventory()).toEqual([]);
    expect((await db.prisma.host.findUniqueOrThrow({ where: { id: A.hostId } })).status).toBe("maintenance");
    for (const c of containers) {
      expect((await db.prisma.workload.findUniqueOrThrow({ where: { id: c.id } })).hostId).toBe(B.hostId);
      await waitFor(async () => {
        const published = await publishedPort(db, c.id);
        return ((published && (await fetchText(published))) || "").includes(c.greeting);
      }, 20_000);
    }
  });
});
