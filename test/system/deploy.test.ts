// Deployments and stacks end to end: the real server (a child process) on a real PostgreSQL,
// three real bundled agents with the sim driver (each its own host), tRPC over HTTP. What is
// checked is what an operator relies on: where replicas land, that a rolling update never
// drops below the wanted count, that scale and remove clean up the containers on the hosts,
// and that a stack starts (and stops) in depends_on order.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StackView } from "../../apps/web/src/server/deploy/stacks.js";
import type { DeploymentDetail } from "../../apps/web/src/server/deploy/views.js";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { AGENT_BIN, newStateDir, type Proc, startProcess, startServer } from "../support/processes.js";
import { waitFor } from "../support/wait-for.js";

let db: SeededDatabase;
let server: Proc;
let owner: TrpcSession;
const agents: Proc[] = [];
const hostIds: string[] = [];

/** One simulated host in its own agent process, with its own seed (so hosts differ) and name. */
async function startSimHost(serverUrl: string, n: number): Promise<void> {
  const stateDir = newStateDir();
  const { token } = await createEnrollmentToken(db.prisma, {
    orgId: db.demo.orgId,
    teamId: db.demo.teamId,
    ttlMs: 120_000,
  });
  const tokenFile = join(stateDir, "tokens.json");
  writeFileSync(tokenFile, JSON.stringify([token]));
  const args = ["sim", "--server", serverUrl, "--count", "1", "--state-dir", stateDir, "--token-file", tokenFile];
  agents.push(
    startProcess([
      AGENT_BIN,
      ...args,
      "--interval-ms",
      "1000",
      "--seed",
      String(100 + n),
      "--name-prefix",
      `deploy${n}`,
    ]),
  );
}

beforeAll(async () => {
  db = await startSeededDatabase();
  const port = await freePort();
  const serverUrl = `http://127.0.0.1:${port}`;
  server = await startServer(db.url, port, { ui: false });
  owner = new TrpcSession(serverUrl);
  expect((await owner.mutate("auth.signIn", { email: db.email, password: db.password })).status).toBe(200);
  for (let n = 1; n <= 3; n++) await startSimHost(serverUrl, n);
  // Online, inventoried, and with a host sample the scheduler can read.
  await waitFor(
    async () => {
      const hosts = await db.prisma.host.findMany({ where: { orgId: db.demo.orgId, status: "online" } });
      if (hosts.length < 3) return false;
      const { rows } = await db.pool.query(
        "SELECT count(DISTINCT host_id)::int AS n FROM samples WHERE workload_id IS NULL",
      );
      hostIds.splice(0, hostIds.length, ...hosts.map((h) => h.id));
      return rows[0].n >= 3;
    },
    60_000,
    () => agents.map((a) => a.output()).join("\n") + server.output(),
  );
});

afterAll(async () => {
  for (const agent of agents) await agent.stop("SIGKILL");
  await server?.stop();
  await db?.stop();
});

async function call<T>(kind: "query" | "mutate", path: string, input?: unknown): Promise<T> {
  const res = kind === "query" ? await owner.query<T>(path, input) : await owner.mutate<T>(path, input);
  if (res.data === undefined) throw new Error(`${path} failed: ${JSON.stringify(res.error)}`);
  return res.data;
}

async function until(id: string, check: (d: DeploymentDetail) => boolean, timeoutMs = 60_000) {
  let last: DeploymentDetail | undefined;
  await waitFor(
    async () => {
      last = await call<DeploymentDetail>("query", "deploy.get", { id });
      return check(last);
    },
    timeoutMs,
    () => `${JSON.stringify(last, null, 1)}\n${server.output()}`,
  );
  return last as DeploymentDetail;
}

/** The deployment's containers as the hosts' inventories report them (not removed). */
async function containersOf(deploymentId: string) {
  return db.prisma.workload.findMany({
    where: { removedAt: null, labels: { path: ["flotilla.deployment"], equals: deploymentId } },
  });
}

/** The deployment's commands in the order they were requested. */
async function commandsOf(d: DeploymentDetail) {
  const ids = d.replicaList.flatMap((r) => [r.createCommand?.id, r.removeCommand?.id]).filter(Boolean) as string[];
  return db.prisma.command.findMany({ where: { id: { in: ids } }, orderBy: { createdAt: "asc" } });
}

/** Each command had succeeded before the next one was requested: one step at a time. */
function expectEachDoneBeforeNext(commands: Array<{ state: string; createdAt: Date; finishedAt: Date | null }>) {
  for (const [i, next] of commands.slice(1).entries()) {
    const previous = commands[i];
    expect(previous?.state).toBe("succeeded");
    expect(previous?.finishedAt?.getTime() ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(next.createdAt.getTime());
  }
}

describe("deployments on simulated hosts", () => {
  let deploymentId = "";

  it("spreads 3 replicas over 3 hosts and reaches running", async () => {
    const created = await call<{ id: string; state: string }>("mutate", "deploy.create", {
      name: "web",
      image: "nginx:1.27",
      replicas: 3,
      strategy: "spread",
      config: { cpus: 0.5, memoryBytes: 256 * 1024 ** 2, ports: [{ containerPort: 80 }], env: { MODE: "test" } },
    });
    deploymentId = created.id;
    expect(created.state).toBe("pending");
    const running = await until(deploymentId, (d) => d.state === "running");
    expect(running.ready).toBe(3);
    const replicas = running.replicaList.filter((r) => r.state === "running");
    expect(new Set(replicas.map((r) => r.hostId)).size).toBe(3);
    expect(replicas.map((r) => r.createCommand?.state)).toEqual(["succeeded", "succeeded", "succeeded"]);

    // The hosts' inventories show the containers, named and labelled for the deployment.
    await waitFor(async () => (await containersOf(deploymentId)).length === 3, 15_000);
    const containers = await containersOf(deploymentId);
    expect(containers.map((c) => c.name).sort()).toEqual(["web-0-r1", "web-1-r1", "web-2-r1"]);
    for (const c of containers) {
      expect(c).toMatchObject({ state: "running", image: "nginx:1.27", labels: { "flotilla.revision": "1" } });
    }
    // ...and they report metrics like any other container.
    const externalIds = replicas.map((r) => r.externalId);
    await waitFor(async () => {
      const { rows } = await db.pool.query(
        "SELECT count(DISTINCT workload_id)::int AS n FROM samples WHERE workload_id = ANY($1::text[])",
        [externalIds],
      );
      return rows[0].n === 3;
    }, 15_000);
  });

  it("replaces every replica one by one with the new revision, never below 3 running", async () => {
    await call("mutate", "deploy.update", { id: deploymentId, image: "nginx:1.28" });
    const done = await until(deploymentId, (d) => d.state === "running" && d.revision === 2, 90_000);
    expect(done.ready).toBe(3);
    const containers = await containersOf(deploymentId);
    expect(
      containers.map((c) => [c.name, c.image, (c.labels as Record<string, string>)["flotilla.revision"]]).sort(),
    ).toEqual([
      ["web-0-r2", "nginx:1.28", "2"],
      ["web-1-r2", "nginx:1.28", "2"],
      ["web-2-r2", "nginx:1.28", "2"],
    ]);

    // Create new, then remove old, slot by slot; each old one removed only after its successor ran.
    const commands = (await commandsOf(done)).filter(
      (c) => c.createdAt > new Date(done.replicaList[0]?.createdAt ?? 0),
    );
    const rev2 = commands.filter(
      (c) => c.name === "container.remove" || (c.payload as { image: string }).image === "nginx:1.28",
    );
    const steps = rev2.map((c) =>
      c.name === "container.create" ? `create ${(c.payload as { name: string }).name}` : "remove",
    );
    expect(steps).toEqual(["create web-0-r2", "remove", "create web-1-r2", "remove", "create web-2-r2", "remove"]);
    expectEachDoneBeforeNext(rev2);
  });

  it("scales down to 1, removing two containers from their hosts", async () => {
    await call("mutate", "deploy.scale", { id: deploymentId, replicas: 1 });
    const scaled = await until(deploymentId, (d) => d.state === "running" && d.replicas === 1);
    expect(scaled.replicaList.filter((r) => r.state === "running").map((r) => r.index)).toEqual([0]);
    const removed = scaled.replicaList.filter((r) => r.revision === 2 && r.index > 0);
    expect(removed.map((r) => [r.state, r.removeCommand?.state])).toEqual([
      ["removed", "succeeded"],
      ["removed", "succeeded"],
    ]);
    await waitFor(async () => (await containersOf(deploymentId)).length === 1, 15_000);
  });

  it("removes the deployment and every container it had", async () => {
    await call("mutate", "deploy.remove", { id: deploymentId });
    const gone = await until(deploymentId, (d) => d.state === "removed");
    expect(gone.replicaList.every((r) => r.state === "removed" || r.state === "failed")).toBe(true);
    await waitFor(async () => (await containersOf(deploymentId)).length === 0, 15_000);
    const listed = await call<Array<{ id: string }>>("query", "deploy.list");
    expect(listed.map((d) => d.id)).not.toContain(deploymentId);
  });
});

describe("a compose stack on one host", () => {
  const compose = `
services:
  web:
    image: nginx:1.27
    ports: ["127.0.0.1:18080:80/tcp"]
    depends_on: [api]
    healthcheck: { test: ["CMD", "true"] }
  api:
    image: registry.local:5000/shop/api:v2
    command: node server.js
    environment: { DB_HOST: db }
    depends_on: { db: { condition: service_started } }
    deploy: { resources: { limits: { cpus: "0.5", memory: 512M } } }
  db:
    image: postgres:17
    volumes: ["pgdata:/var/lib/postgresql/data"]
    restart: unless-stopped
`;

  it("starts services in depends_on order and removes them in reverse", async () => {
    const hostId = hostIds[0] as string;
    const stack = await call<StackView>("mutate", "deploy.deployStack", { name: "shop", hostId, compose });
    expect(stack.warnings).toEqual(["services.web.healthcheck: not supported, ignored"]);
    expect(stack.services.map((s) => s.name)).toEqual(["db", "api", "web"]);
    let last: StackView | undefined;
    await waitFor(
      async () => {
        last = await call<StackView>("query", "deploy.getStack", { id: stack.id });
        return last.state === "running";
      },
      60_000,
      () => JSON.stringify(last),
    );

    const creates = await db.prisma.command.findMany({
      where: { hostId, name: "container.create", payload: { path: ["name"], string_starts_with: "shop-" } },
      orderBy: { createdAt: "asc" },
    });
    expect(creates.map((c) => (c.payload as { name: string }).name)).toEqual([
      "shop-db-0-r1",
      "shop-api-0-r1",
      "shop-web-0-r1",
    ]);
    // Each service was asked for only once the one before it was running.
    expectEachDoneBeforeNext(creates);
    const web = await db.prisma.workload.findFirst({ where: { hostId, name: "shop-web-0-r1", removedAt: null } });
    expect(web?.ports).toEqual([{ hostIp: "127.0.0.1", hostPort: 18080, containerPort: 80, protocol: "tcp" }]);

    await call("mutate", "deploy.removeStack", { id: stack.id });
    await waitFor(
      async () => {
        last = await call<StackView>("query", "deploy.getStack", { id: stack.id });
        return last.state === "removed";
      },
      60_000,
      () => JSON.stringify(last),
    );
    const removes = await db.prisma.command.findMany({
      where: { hostId, name: "container.remove", createdAt: { gt: creates.at(-1)?.createdAt } },
      orderBy: { createdAt: "asc" },
    });
    const externalOf = new Map(
      creates.map((c) => [(c.result as { workloadId: string }).workloadId, (c.payload as { name: string }).name]),
    );
    expect(removes.map((c) => externalOf.get((c.payload as { workloadId: string }).workloadId))).toEqual([
      "shop-web-0-r1",
      "shop-api-0-r1",
      "shop-db-0-r1",
    ]);
    expect(await db.prisma.workload.count({ where: { hostId, name: { startsWith: "shop-" }, removedAt: null } })).toBe(
      0,
    );
  });
});
