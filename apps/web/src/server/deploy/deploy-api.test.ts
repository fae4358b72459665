// deploy.* against a real PostgreSQL and the real server over HTTP, with scripted agents that
// answer container commands: who may do what, organisation isolation, placement errors, a
// failing rolling update, and a rollout that survives a server restart without running twice.
import { randomUUID } from "node:crypto";
import type { EnrollResponse } from "@flotilla/protocol";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClientToServerEvents, DeploymentUpdateEvent, ServerToClientEvents } from "../../shared/live-events.js";
import { createAppServer } from "../app-server.js";
import { parseConfig } from "../env.js";
import type { CommandFrameOf } from "../testing/commands.js";
import { enrolledHost, memberSession, onlineAgent, signIn } from "../testing/commands.js";
import { seedOrg, silentLogger, startTestServer, type TestServer } from "../testing/test-server.js";
import type { TrpcSession } from "../testing/trpc-client.js";
import type { DeploymentDetail, DeploymentView } from "./views.js";

let t: TestServer;
let owner: TrpcSession;
const hosts: EnrollResponse[] = [];
const stopAgents: Array<() => void> = [];
/** Create commands answered per host, by command id: a repeat delivery is answered, never run twice. */
const created = new Map<string, Set<string>>();
/** Metrics batch numbers only grow, across reconnects too. */
let nextSeq = 1;

/** An agent that answers container.create (failing images named *broken*) and container.remove. */
async function answeringAgent(t: TestServer, credential: EnrollResponse) {
  const agent = await onlineAgent(t, credential);
  let open = true;
  // Metrics keep the host online (and give the scheduler a measured use: 1 core, 2 GiB).
  const heartbeat = setInterval(() => {
    const sample = { ts: Date.now(), target: { kind: "host" as const }, cpuCores: 1, memUsedBytes: 2 * 1024 ** 3 };
    const rates = { netRxBps: 0, netTxBps: 0, diskReadBps: 0, diskWriteBps: 0 };
    agent.send({ type: "metrics", seq: nextSeq++, samples: [{ ...sample, ...rates }] });
  }, 400);
  stopAgents.push(() => {
    open = false;
    clearInterval(heartbeat);
    agent.ws.close();
  });
  const runs = created.get(credential.hostId) ?? new Set<string>();
  created.set(credential.hostId, runs);
  void (async () => {
    while (open) {
      const frame = (await agent.next("command", 60_000).catch(() => null)) as CommandFrameOf | null;
      if (!frame) continue;
      const { name, payload } = frame.command as { name: string; payload: { image?: string } };
      const ts = Date.now();
      if (name === "container.create" && payload.image?.includes("broken")) {
        const error = { code: "command_failed" as const, message: "pull access denied for broken" };
        agent.send({ type: "command_result", commandId: frame.id, ts, ok: false, error });
      } else if (name === "container.create") {
        runs.add(frame.id);
        const result = { workloadId: `c-${frame.id}`, name: "x", started: true, warnings: [] };
        agent.send({ type: "command_result", commandId: frame.id, ts, ok: true, result });
      } else {
        agent.send({ type: "command_result", commandId: frame.id, ts, ok: true, result: {} });
      }
    }
  })();
}

beforeAll(async () => {
  t = await startTestServer();
  owner = await signIn(t, t.owner.email, t.owner.password);
  for (let i = 0; i < 3; i++) hosts.push(await enrolledHost(t));
  for (const h of hosts) await answeringAgent(t, h);
});
afterAll(async () => {
  for (const stop of stopAgents) stop();
  await t?.stop();
});

async function create(session: TrpcSession, input: Record<string, unknown>) {
  return session.mutate<DeploymentView>("deploy.create", { name: `d-${randomUUID().slice(0, 8)}`, ...input });
}

async function until(session: TrpcSession, id: string, states: string[], timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let last: DeploymentDetail | undefined;
  while (Date.now() < deadline) {
    last = (await session.query<DeploymentDetail>("deploy.get", { id })).data;
    if (last && states.includes(last.state)) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`deployment ${id} did not reach ${states.join("|")}: ${JSON.stringify(last)}`);
}

describe("deploy API", () => {
  it("lets viewers read and preview, operators change", async () => {
    const viewer = await memberSession(t, t.owner.orgId, "viewer");
    const operator = await memberSession(t, t.owner.orgId, "operator");
    expect((await create(viewer, { image: "nginx", replicas: 1 })).error?.data.code).toBe("FORBIDDEN");
    const made = await create(operator, { image: "nginx", replicas: 1 });
    expect(made.status).toBe(200);
    const id = made.data?.id as string;
    expect((await viewer.query("deploy.get", { id })).status).toBe(200);
    expect((await viewer.query("deploy.list")).status).toBe(200);
    const preview = await viewer.query<{ ok: boolean; placements: unknown[] }>("deploy.previewPlacement", {
      replicas: 2,
    });
    expect(preview.data).toMatchObject({ ok: true, placements: [expect.anything(), expect.anything()] });
    for (const [path, input] of [
      ["deploy.scale", { id, replicas: 2 }],
      ["deploy.remove", { id }],
      ["deploy.deployStack", { name: "s", hostId: hosts[0]?.hostId, compose: "services: {a: {image: x}}" }],
    ] as const) {
      expect((await viewer.mutate(path, input)).error?.data.code, path).toBe("FORBIDDEN");
    }
    expect((await operator.mutate("deploy.remove", { id })).status).toBe(200);
  });

  it("answers another organisation's deployment exactly like a missing one", async () => {
    const mine = (await create(owner, { image: "nginx", replicas: 1 })).data as DeploymentView;
    const other = await seedOrg(t.prisma, "other");
    const outsider = await signIn(t, other.email, other.password);
    for (const [path, input, kind] of [
      ["deploy.get", { id: mine.id }, "query"],
      ["deploy.update", { id: mine.id, image: "nginx:2" }, "mutate"],
      ["deploy.scale", { id: mine.id, replicas: 3 }, "mutate"],
      ["deploy.remove", { id: mine.id }, "mutate"],
      ["deploy.previewPlacement", { replicas: 1, deploymentId: mine.id }, "query"],
    ] as const) {
      const res = kind === "query" ? await outsider.query(path, input) : await outsider.mutate(path, input);
      const missing =
        kind === "query"
          ? await outsider.query(path, { ...input, id: "nope", deploymentId: "nope" })
          : await outsider.mutate(path, { ...input, id: "nope" });
      expect(res.error?.data.code, path).toBe("NOT_FOUND");
      expect(res.error?.message, path).toBe(missing.error?.message);
    }
    expect((await outsider.query<DeploymentView[]>("deploy.list")).data).toEqual([]);
    // Their hosts are not ours to place on either.
    expect((await create(outsider, { image: "nginx", replicas: 1 })).error?.message).toBe(
      "Cannot place the replicas: there are no hosts in this organisation.",
    );
    const pinned = await create(outsider, { image: "nginx", replicas: 1, strategy: "host", hostId: hosts[0]?.hostId });
    expect(pinned.error?.data.code).toBe("NOT_FOUND");
  });

  it("refuses what cannot be placed, with the scheduler's reason", async () => {
    const huge = await create(owner, { image: "nginx", replicas: 1, config: { cpus: 64 } });
    expect(huge.error?.data.code).toBe("BAD_REQUEST");
    expect(huge.error?.message).toMatch(/^Cannot place the replicas: no online host has 64 cores and 256 MiB free/);
    const taken = await create(owner, { name: "dup", image: "nginx", replicas: 1 });
    expect(taken.status).toBe(200);
    expect((await create(owner, { name: "dup", image: "nginx", replicas: 1 })).error?.data.code).toBe("CONFLICT");
  });

  it("stops a rolling update that fails as degraded, old replicas still running, and recovers", async () => {
    const d = (await create(owner, { image: "nginx:1", replicas: 2 })).data as DeploymentView;
    const first = await until(owner, d.id, ["running"]);
    expect(first.ready).toBe(2);
    await owner.mutate("deploy.update", { id: d.id, image: "registry.local/broken:2" });
    const degraded = await until(owner, d.id, ["degraded"]);
    expect(degraded.reason).toMatch(/^replica 0 on host-[^:]+: failed: pull access denied for broken$/);
    const live = degraded.replicaList.filter((r) => r.state === "running");
    expect(live.map((r) => r.revision)).toEqual([1, 1]);
    const failed = degraded.replicaList.find((r) => r.state === "failed");
    expect(failed?.createCommand).toMatchObject({ state: "failed", error: { code: "command_failed" } });

    await owner.mutate("deploy.update", { id: d.id, image: "nginx:3" });
    const fixed = await until(owner, d.id, ["running"]);
    expect(fixed.revision).toBe(3);
    const running = fixed.replicaList.filter((r) => r.state === "running");
    expect(running.map((r) => [r.index, r.revision])).toEqual([
      [0, 3],
      [1, 3],
    ]);
  });

  it("publishes progress to the organisation's browsers as replicas come up", async () => {
    const browser: Socket<ServerToClientEvents, ClientToServerEvents> = io(t.url, {
      transports: ["websocket"],
      extraHeaders: { cookie: owner.cookie ?? "" },
    });
    try {
      await new Promise<void>((resolve) => browser.on("connect", () => resolve()));
      const events: DeploymentUpdateEvent[] = [];
      browser.on("deployment:update", (e) => events.push(e));
      const d = (await create(owner, { image: "nginx", replicas: 3 })).data as DeploymentView;
      await until(owner, d.id, ["running"]);
      await new Promise((r) => setTimeout(r, 300));
      const mine = events.filter((e) => e.id === d.id);
      expect(mine[0]).toMatchObject({ state: "pending", ready: 0, desired: 3, revision: 1 });
      expect(mine.at(-1)).toMatchObject({ state: "running", ready: 3, desired: 3, reason: null });
      expect(mine.some((e) => e.state === "rolling_out")).toBe(true);
      const readiness = mine.map((e) => e.ready);
      expect(readiness).toEqual([...readiness].sort((a, b) => a - b));
    } finally {
      browser.close();
    }
  });

  it("resumes a rollout after a server restart, without creating any replica twice", async () => {
    // Agents away: the create commands wait in the outbox while the server goes down.
    for (const stop of stopAgents.splice(0)) stop();
    const d = (await create(owner, { image: "nginx", replicas: 3 })).data as DeploymentView;
    const waitFor = async (check: () => Promise<boolean>) => {
      for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 100));
    };
    await waitFor(
      async () =>
        (await t.prisma.command.count({ where: { idempotencyKey: { startsWith: "deploy:" }, state: "pending" } })) >= 3,
    );
    await t.server.stop();

    const config = parseConfig({ DATABASE_URL: t.db.url, PORT: "0", HOST: "127.0.0.1", FLOTILLA_UI: "off" });
    const again = createAppServer(config, { logger: silentLogger() });
    await again.start();
    try {
      const restarted: TestServer = { ...t, server: again, url: again.url };
      for (const h of hosts) await answeringAgent(restarted, h);
      const session = await signIn(restarted, t.owner.email, t.owner.password);
      const done = await until(session, d.id, ["running"], 20_000);
      expect(done.ready).toBe(3);
      const replicas = await t.prisma.deploymentReplica.findMany({ where: { deploymentId: d.id } });
      expect(replicas).toHaveLength(3);
      const creates = { name: "container.create", payload: { path: ["labels", "flotilla.deployment"], equals: d.id } };
      expect(await t.prisma.command.count({ where: creates })).toBe(3);
      const commandIds = replicas.map((r) => r.createCommandId);
      const runs = [...created.values()].flatMap((s) => [...s]).filter((id) => commandIds.includes(id));
      expect(runs.sort()).toEqual([...commandIds].sort());
    } finally {
      for (const stop of stopAgents.splice(0)) stop();
      await again.stop();
    }
  });
});
