// Cold migration of a container through the control plane: two hosts, each an in-process agent
// with the docker driver on its OWN private dockerd (one dockerd behind two agents would be one
// host twice), enrolled to one real server on a real PostgreSQL. A busybox httpd container with a
// published port is made through container.create, moved with migrations.start, and answers on
// the target; volumes are called out before a move; a failed move starts the source again.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSilentLogger } from "../../apps/agent/src/logger.js";
import type { EvacuationView } from "../../apps/web/src/server/maintenance/evacuation-view.js";
import type { MigrationView } from "../../apps/web/src/server/migrations/migration-view.js";
import { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import { type ContainerEngine, startEngine } from "../support/container-engines.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { type Proc, startServer } from "../support/processes.js";
import { runCommand } from "../support/vm-hosts.js";
import { waitFor } from "../support/wait-for.js";
import { fetchText, type MixedHost, publishedPort, startMixedHost } from "./mixed-hosts.js";

const logger = createSilentLogger();
let db: SeededDatabase;
let server: Proc;
let owner: TrpcSession;
let engines: { A: ContainerEngine; B: ContainerEngine };
let A: MixedHost;
let B: MixedHost;

async function waitForMigration(id: string): Promise<MigrationView> {
  let last: MigrationView | undefined;
  await waitFor(
    async () => {
      last = (await owner.query<MigrationView>("migrations.get", { id })).data;
      return ["succeeded", "failed", "cancelled"].includes(last?.state ?? "");
    },
    90_000,
    () => JSON.stringify(last),
  );
  return last as MigrationView;
}

/** Creates a container on a host through the API; returns its Workload row id once running. */
async function createContainer(host: MixedHost, payload: Record<string, unknown>): Promise<string> {
  const created = await runCommand(owner, host.hostId, { name: "container.create", payload });
  expect(created.state, JSON.stringify(created.error)).toBe("succeeded");
  const externalId = created.result?.workloadId as string;
  let id = "";
  await waitFor(async () => {
    const row = await db.prisma.workload.findFirst({ where: { hostId: host.hostId, externalId } });
    id = row?.id ?? "";
    return row?.state === "running";
  }, 30_000);
  return id;
}

const httpd = (engine: ContainerEngine, greeting: string) => ({
  image: engine.image,
  name: `web-${randomBytes(3).toString("hex")}`,
  ports: [{ containerPort: 80 }],
  env: { GREETING: greeting },
  labels: { app: "cold-test" },
  restartPolicy: { name: "unless-stopped" },
  memoryBytes: 64 * 1024 * 1024,
  command: ["sh", "-c", 'mkdir -p /www && echo "$GREETING" > /www/index.html && exec httpd -f -p 80 -h /www'],
});

beforeAll(async () => {
  const [a, b, database] = await Promise.all([startEngine("docker"), startEngine("docker"), startSeededDatabase()]);
  engines = { A: a, B: b };
  db = database;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  server = await startServer(db.url, port, { ui: false });
  owner = new TrpcSession(url);
  expect((await owner.mutate("auth.signIn", { email: db.email, password: db.password })).status).toBe(200);
  A = await startMixedHost(db, url, logger, engines.A);
  B = await startMixedHost(db, url, logger, engines.B);
});

afterAll(async () => {
  await A?.agent.stop();
  await B?.agent.stop();
  await server?.stop();
  db?.pool.on("error", () => {});
  await Promise.all([db?.stop(), engines?.A.stop(), engines?.B.stop()]);
});

describe("cold migration of a container", () => {
  let workloadId: string;

  it("moves a running httpd container A -> B: same config, answers on B, identity recorded", async () => {
    workloadId = await createContainer(A, httpd(engines.A, "hello from the moved container"));
    const before = await db.prisma.workload.findUniqueOrThrow({ where: { id: workloadId } });
    const portA = (await publishedPort(db, workloadId)) as number;
    expect(await fetchText(portA)).toContain("hello from the moved container");

    const started = await owner.mutate<MigrationView>("migrations.start", { workloadId, targetHostId: B.hostId });
    expect(started.error).toBeUndefined();
    expect(started.data).toMatchObject({ kind: "cold", warnings: [] });
    // Held while it moves: other commands on it are refused.
    const refused = await owner.mutate("commands.request", {
      hostId: A.hostId,
      command: { name: "container.restart", payload: { workloadId: before.externalId } },
    });
    expect(refused.error?.data.code).toBe("CONFLICT");

    const done = await waitForMigration(started.data?.id as string);
    expect(done).toMatchObject({ state: "succeeded", error: null, externalId: before.externalId });
    const newId = done.targetExternalId as string;
    expect(newId).toBeTruthy();
    expect(newId).not.toBe(before.externalId);

    // The same row now names B's container; the source engine no longer has it.
    const after = await db.prisma.workload.findUniqueOrThrow({ where: { id: workloadId } });
    expect(after).toMatchObject({ hostId: B.hostId, externalId: newId, removedAt: null });
    expect(await db.prisma.workloadLease.count({ where: { workloadId } })).toBe(0);
    expect(await engines.A.api.listContainers({ all: true })).toEqual([]);
    const onB = await engines.B.api.getContainer(newId).inspect();
    expect(onB.Config.Env).toContain("GREETING=hello from the moved container");
    expect(onB.Config.Labels).toMatchObject({ app: "cold-test" });
    expect(onB.HostConfig).toMatchObject({ Memory: 64 * 1024 * 1024, RestartPolicy: { Name: "unless-stopped" } });
    expect(onB.HostConfig.PortBindings?.["80/tcp"]?.[0]?.HostIp).toBe("127.0.0.1");

    let text: string | undefined;
    await waitFor(async () => {
      const port = await publishedPort(db, workloadId);
      text = port ? await fetchText(port) : undefined;
      return text?.includes("hello from the moved container") ?? false;
    }, 20_000);
  });

  it("calls out volumes before the move and refuses without acceptVolumeLoss", async () => {
    const id = await createContainer(A, {
      ...httpd(engines.A, "with a volume"),
      volumes: [{ source: "cold-data", target: "/data" }],
    });
    const refused = await owner.mutate("migrations.start", { workloadId: id, targetHostId: B.hostId });
    expect(refused.error?.data.code).toBe("BAD_REQUEST");
    expect(refused.error?.message).toMatch(/volume cold-data -> \/data is not shared.*acceptVolumeLoss: true/);
    expect(await db.prisma.migration.count({ where: { workloadId: id } })).toBe(0);
    expect(await db.prisma.workloadLease.count({ where: { workloadId: id } })).toBe(0);

    const accepted = await owner.mutate<MigrationView>("migrations.start", {
      workloadId: id,
      targetHostId: B.hostId,
      acceptVolumeLoss: true,
    });
    expect(accepted.data?.warnings).toEqual([expect.stringMatching(/volume cold-data/)]);
    expect((await waitForMigration(accepted.data?.id as string)).state).toBe("succeeded");
  });

  it("a move that fails on the target starts the container again on the source, and says why", async () => {
    // A no longer has the image (untagged), so recreating there fails.
    await engines.A.api.getImage(engines.A.image).remove({ force: true });
    const row = await db.prisma.workload.findUniqueOrThrow({ where: { id: workloadId } });
    const started = await owner.mutate<MigrationView>("migrations.start", { workloadId, targetHostId: A.hostId });
    expect(started.error).toBeUndefined();
    const done = await waitForMigration(started.data?.id as string);
    expect(done.state).toBe("failed");
    expect(done.error).toMatch(/^create: image .* not found on this host.*started again on the source/);
    expect(await db.prisma.workload.findUniqueOrThrow({ where: { id: workloadId } })).toMatchObject({
      hostId: B.hostId,
      externalId: row.externalId,
    });
    expect(await db.prisma.workloadLease.count({ where: { workloadId } })).toBe(0);
    expect((await engines.B.api.getContainer(row.externalId).inspect()).State.Running).toBe(true);
    await waitFor(async () => {
      const port = await publishedPort(db, workloadId);
      return ((port && (await fetchText(port))) || "").includes("hello from the moved container");
    }, 20_000);
  });
  it("an evacuation whose move fails stops there: the rest is skipped, the failed one runs on its host", async () => {
    // A still lacks the image: B's containers cannot land there.
    const entered = await owner.mutate<{ evacuation: EvacuationView }>("maintenance.enter", {
      hostId: B.hostId,
      evacuate: true,
      concurrency: 1,
      acceptVolumeLoss: true,
    });
    expect(entered.data?.evacuation.moves).toHaveLength(2);
    let last: EvacuationView | null | undefined;
    await waitFor(async () => {
      last = (await owner.query<{ evacuation: EvacuationView }>("maintenance.get", { hostId: B.hostId })).data
        ?.evacuation;
      return last?.state === "failed";
    }, 60_000);
    expect(last?.moves.map((m) => m.state)).toEqual(["failed", "skipped"]);
    expect(last?.error).toMatch(/create: image .* not found on this host/);
    expect(await db.prisma.migration.count({ where: { evacuationId: last?.id } })).toBe(1);
    const running = await engines.B.api.listContainers();
    expect(running).toHaveLength(2);
    expect((await db.prisma.host.findUniqueOrThrow({ where: { id: B.hostId } })).status).toBe("maintenance");
    expect((await owner.mutate("maintenance.leave", { hostId: B.hostId })).error).toBeUndefined();
  });
});
