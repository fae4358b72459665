// The evaluator's timer pass against the real server and PostgreSQL: host offline kept apart from
// missing data, failed commands, exited and restart-looping containers, plan execution silencing
// what it causes, one evaluator across nodes; and webhook endpoints that fail for too long being
// disabled, and secret rotation signing twice.
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../env.js";
import { createJobQueue } from "../jobs/queue.js";
import { silentPublisher } from "../live/publisher.js";
import { enrolledHost, onlineAgent, signIn } from "../testing/commands.js";
import { silentLogger, startTestServer, type TestServer } from "../testing/test-server.js";
import type { TrpcSession } from "../testing/trpc-client.js";
import { verifyWebhook } from "../webhooks/signing.js";
import { createAlertEvaluator } from "./evaluator.js";

let t: TestServer;
let owner: TrpcSession;
let receiver: Server;
let base: string;
const received: { path: string; headers: Record<string, string>; body: string }[] = [];

async function waitFor<T>(
  what: string,
  probe: () => Promise<T> | T,
  timeoutMs = 20_000,
): Promise<NonNullable<Exclude<T, false | "">>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false && value !== "")
      return value as NonNullable<Exclude<T, false | "">>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers as Record<string, string>, body });
      res.writeHead(req.url === "/fail" ? 500 : 200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  t = await startTestServer({
    FLOTILLA_SECRET_KEY: randomBytes(32).toString("base64"),
    FLOTILLA_WEBHOOK_ALLOW_CIDRS: "127.0.0.0/8",
    FLOTILLA_WEBHOOK_RETRY_DELAY: "1s",
    FLOTILLA_WEBHOOK_DISABLE_AFTER: "2s",
  });
  owner = await signIn(t, t.owner.email, t.owner.password);
});
afterAll(async () => {
  await t?.stop();
  await new Promise((r) => receiver?.close(r));
});

async function rule(body: Record<string, unknown>) {
  const res = await owner.mutate<{ id: string }>("alerts.createRule", { severity: "warning", ...body });
  expect(res.status, JSON.stringify(res.error)).toBe(200);
  return res.data?.id as string;
}

async function openAlert(ruleId: string, subject?: string) {
  return t.prisma.alertInstance.findFirst({
    where: { ruleId, ...(subject ? { subject } : {}), state: { in: ["pending", "firing"] } },
  });
}

describe("rule kinds", () => {
  it("keeps host offline apart from metric missing", async () => {
    const host = await enrolledHost(t);
    const offline = await rule({ name: "offline", kind: "host_offline", scope: { hostIds: [host.hostId] } });
    const missing = await rule({
      name: "no cpu",
      kind: "metric_missing",
      metric: "cpu",
      scope: { hostIds: [host.hostId] },
    });
    // Online without sending anything: data is missing, the host is not offline.
    await t.prisma.host.update({ where: { id: host.hostId }, data: { status: "online", lastSeenAt: new Date() } });
    await waitFor("metric missing", () => openAlert(missing).then((a) => a?.state === "firing"));
    expect(await openAlert(offline)).toBeNull();
    // Offline: that alert fires, and missing data is no longer the story.
    await t.prisma.host.update({ where: { id: host.hostId }, data: { status: "offline" } });
    await waitFor("host offline", () => openAlert(offline).then((a) => a?.state === "firing"));
    await waitFor("missing resolved", () => openAlert(missing).then((a) => a === null));
  });

  it("notices a running workload whose data stopped, and not a stopped one", async () => {
    const host = await enrolledHost(t);
    const agent = await onlineAgent(t, host);
    const workload = (name: string, state: string) =>
      t.prisma.workload.create({
        data: { hostId: host.hostId, externalId: `${name}-id`, kind: "container", driver: "docker", name, state },
      });
    await workload("web", "running");
    await workload("idle", "exited");
    const missing = await rule({
      name: "no container cpu",
      kind: "metric_missing",
      metric: "cpu",
      target: "workload",
      scope: { hostIds: [host.hostId] },
    });
    // Memory without a limit to divide by is still data: no alert while it keeps coming.
    const noMemory = await rule({
      name: "no container memory",
      kind: "metric_missing",
      metric: "memory",
      target: "workload",
      scope: { hostIds: [host.hostId] },
    });
    const web = `${host.hostId}/web-id`;
    const firing = await waitFor("web's cpu missing", () =>
      openAlert(missing, web).then((a) => a?.state === "firing" && a),
    );
    expect(firing.summary).toMatch(/no cpu data from web on /);
    expect(await openAlert(missing, `${host.hostId}/idle-id`)).toBeNull();
    // Its data comes back: the alert resolves.
    const sample = { cpuCores: 0.2, memUsedBytes: 1e6, netRxBps: 0, netTxBps: 0, diskReadBps: 0, diskWriteBps: 0 };
    let seq = 1;
    await waitFor("web's data back", async () => {
      agent.send({
        type: "metrics",
        seq: seq++,
        samples: [{ ts: Date.now(), target: { kind: "container", id: "web-id" }, ...sample }],
      });
      return (await openAlert(missing, web)) === null;
    });
    // Data flows (no memTotalBytes: no limit): fires only if the memory rule took that for missing.
    for (let i = 0; i < 4; i++) {
      agent.send({
        type: "metrics",
        seq: seq++,
        samples: [{ ts: Date.now(), target: { kind: "container", id: "web-id" }, ...sample }],
      });
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await openAlert(noMemory, web)).toBeNull();
    expect(await t.prisma.alertInstance.count({ where: { ruleId: noMemory } })).toBe(1);
    agent.ws.close();
  });

  it("fires on a failed command, an exited container and a restart loop", async () => {
    const host = await enrolledHost(t);
    const failedRule = await rule({
      name: "command failed",
      kind: "command_failed",
      scope: { hostIds: [host.hostId] },
    });
    const exitedRule = await rule({ name: "exited", kind: "container_exited", scope: { hostIds: [host.hostId] } });
    const loopRule = await rule({
      name: "loop",
      kind: "container_restart_loop",
      threshold: 3,
      holdSeconds: 600,
      scope: { hostIds: [host.hostId] },
    });
    const command = await t.prisma.command.create({
      data: {
        orgId: t.owner.orgId,
        hostId: host.hostId,
        name: "container.start",
        payload: {},
        state: "failed",
        deadline: new Date(Date.now() + 60_000),
        finishedAt: new Date(),
      },
    });
    const externalId = randomUUID();
    await t.prisma.workload.create({
      data: { hostId: host.hostId, externalId, kind: "container", driver: "docker", name: "web", state: "exited" },
    });
    for (let i = 0; i < 3; i++) {
      await t.prisma.hostEvent.create({
        data: {
          id: `${host.hostId}:${randomUUID()}`,
          hostId: host.hostId,
          workloadId: externalId,
          kind: "workload.exited",
          message: "web exited",
          at: new Date(Date.now() - i * 1000),
        },
      });
    }
    await waitFor("command alert", () => openAlert(failedRule, `command:${command.id}`));
    const exited = await waitFor("exit alert", () => openAlert(exitedRule, `${host.hostId}/${externalId}`));
    expect(exited.summary).toContain("container web on");
    const loop = await waitFor("loop alert", () => openAlert(loopRule, `${host.hostId}/${externalId}`));
    expect(loop.value).toBe(3);
    // A failed migration, about its source host.
    const migrationRule = await rule({
      name: "migration failed",
      kind: "migration_failed",
      scope: { hostIds: [host.hostId] },
    });
    const target = await enrolledHost(t);
    const vm = await t.prisma.workload.create({
      data: {
        hostId: host.hostId,
        externalId: randomUUID(),
        kind: "vm",
        driver: "qemu",
        name: "db-vm",
        state: "running",
      },
    });
    const migration = await t.prisma.migration.create({
      data: {
        orgId: t.owner.orgId,
        workloadId: vm.id,
        externalId: vm.externalId,
        sourceHostId: host.hostId,
        targetHostId: target.hostId,
        state: "failed",
        error: "the target ran out of memory",
        finishedAt: new Date(),
      },
    });
    const failedMigration = await waitFor("migration alert", () =>
      openAlert(migrationRule, `migration:${migration.id}`),
    );
    expect(failedMigration.summary).toContain("db-vm");
    expect(failedMigration.summary).toContain("the target ran out of memory");
    // Running again: the exit alert resolves.
    await t.prisma.workload.updateMany({ where: { externalId }, data: { state: "running" } });
    await waitFor("exit resolved", () => openAlert(exitedRule).then((a) => a === null));
  });

  it("silences the alerts of hosts a running plan works on", async () => {
    const host = await enrolledHost(t);
    const offline = await rule({
      name: "offline during plan",
      kind: "host_offline",
      scope: { hostIds: [host.hostId] },
    });
    const plan = await t.prisma.plan.create({
      data: {
        orgId: t.owner.orgId,
        state: "running",
        scope: "all",
        options: {},
        input: {},
        output: {},
        execution: [{ index: 0, workload: "w", from: host.hostId, to: "elsewhere", state: "running" }],
      },
    });
    await t.prisma.host.update({ where: { id: host.hostId }, data: { status: "offline" } });
    const alert = await waitFor("silenced offline alert", () => openAlert(offline).then((a) => a?.silencedBy && a));
    expect(alert.silencedBy).toBe(`plan:${plan.id}`);
    expect(alert.lastNotifiedAt).toBeNull();
    await t.prisma.plan.update({ where: { id: plan.id }, data: { state: "succeeded" } });
  });
});

describe("webhook endpoints", () => {
  it("disables an endpoint that keeps failing, with a notice", async () => {
    const created = await owner.mutate<{ endpoint: { id: string } }>("webhooks.create", {
      name: "broken",
      url: `${base}/fail`,
    });
    expect(created.status, JSON.stringify(created.error)).toBe(200);
    const id = created.data?.endpoint.id as string;
    expect((await owner.mutate("webhooks.sendTest", { id })).status).toBe(200);
    const endpoint = await waitFor("the endpoint disabled", async () => {
      const e = await t.prisma.webhookEndpoint.findUnique({ where: { id } });
      return e && !e.enabled && e;
    });
    expect(endpoint.disabledReason).toMatch(/Disabled automatically: failing since .*HTTP 500/);
    const delivery = await waitFor("the delivery given up", () =>
      t.prisma.webhookDelivery.findFirst({
        where: { endpointId: id, state: "failed" },
        include: { attemptsLog: true },
      }),
    );
    expect(delivery.state).toBe("failed");
    // It kept failing: at least two attempts before it was disabled. Alerts of the other tests in
    // this file may reach the new endpoint before the test event does, so count across its deliveries.
    expect(await t.prisma.webhookAttempt.count({ where: { delivery: { endpointId: id } } })).toBeGreaterThanOrEqual(2);
    expect(delivery.attemptsLog.length).toBeGreaterThanOrEqual(1);
    expect(await t.prisma.auditEntry.count({ where: { action: "webhook.disabled", target: `webhook:${id}` } })).toBe(1);
    // A disabled endpoint gets nothing more; enabling it again clears the notice.
    const list = await owner.query<{ id: string; enabled: boolean; disabledReason: string | null }[]>("webhooks.list");
    expect(list.data?.find((e) => e.id === id)).toMatchObject({ enabled: false });
    const enabled = await owner.mutate<{ enabled: boolean; disabledReason: string | null }>("webhooks.update", {
      id,
      enabled: true,
      endpoint: { name: "broken", url: `${base}/fail`, format: "generic", events: ["alert.firing"] },
    });
    expect(enabled.data).toMatchObject({ enabled: true, disabledReason: null });
  });

  it("signs with both secrets while one rotates", async () => {
    const created = await owner.mutate<{ endpoint: { id: string }; secret: string }>("webhooks.create", {
      name: "rotating",
      url: `${base}/ok`,
    });
    const id = created.data?.endpoint.id as string;
    const old = created.data?.secret as string;
    const rotated = await owner.mutate<{ secret: string }>("webhooks.rotateSecret", { id });
    const next = rotated.data?.secret as string;
    expect(next).not.toBe(old);
    const before = received.length;
    await owner.mutate("webhooks.sendTest", { id });
    const hit = await waitFor("the test delivery", () => received.slice(before).find((r) => r.path === "/ok"));
    const headers = {
      id: hit.headers["webhook-id"] ?? "",
      timestamp: hit.headers["webhook-timestamp"] ?? "",
      signature: hit.headers["webhook-signature"] ?? "",
    };
    expect(headers.signature.split(" ")).toHaveLength(2);
    expect(verifyWebhook(next, headers, hit.body)).toBe(true);
    expect(verifyWebhook(old, headers, hit.body)).toBe(true);
  });
});

// Last: it stops the test server to hand the lead over.
describe("one evaluator across nodes", () => {
  it("lets exactly one node lead, and another take over when the leader stops", async () => {
    const config = parseConfig({ DATABASE_URL: t.db.url, NODE_ENV: "test" });
    const log = silentLogger();
    const pool = new pg.Pool({ connectionString: t.db.url, max: 2 });
    const jobs = createJobQueue(t.db.url, log);
    const deps = { prisma: t.prisma, pool, config, jobs, log, live: silentPublisher };
    // The test server's own evaluator leads already.
    const a = createAlertEvaluator(deps);
    const b = createAlertEvaluator(deps);
    await a.start();
    await b.start();
    expect(a.isLeader() || b.isLeader()).toBe(false);
    await t.server.stop();
    await waitFor("a new leader", () => a.isLeader() || b.isLeader(), 15_000);
    expect(a.isLeader() && b.isLeader()).toBe(false);
    const [leader, other] = a.isLeader() ? [a, b] : [b, a];
    await leader.stop();
    await waitFor("the other takes over", () => other.isLeader(), 15_000);
    await other.stop();
    await pool.end();
  });
});
