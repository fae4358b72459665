// alerts.* and webhooks.* against the real server and PostgreSQL: a threshold breach in stored
// samples fires a rule, a signed webhook reaches a loopback receiver (allowed by config), the
// alert resolves, silences and maintenance hold notifications back, and roles and organisations
// are enforced.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { EnrollResponse } from "@flotilla/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestAgent } from "../testing/agent-client.js";
import { enrolledHost, memberSession, onlineAgent, signIn } from "../testing/commands.js";
import { seedOrg, startTestServer, type TestServer } from "../testing/test-server.js";
import type { TrpcSession } from "../testing/trpc-client.js";
import { verifyWebhook } from "../webhooks/signing.js";

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  json: { type: string; data: { alert: { state: string; summary: string; hostId: string } } };
}

let t: TestServer;
let owner: TrpcSession;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
let host: EnrollResponse;
let agent: TestAgent;
let seq = 0;

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function sendCpu(ratio: number) {
  seq += 1;
  agent.send({
    type: "metrics",
    seq,
    samples: [
      {
        ts: Date.now(),
        target: { kind: "host" },
        cpuCores: ratio * 8,
        cpuRatio: ratio,
        memUsedBytes: 4e9,
        memTotalBytes: 16e9,
        netRxBps: 10,
        netTxBps: 20,
        diskReadBps: 30,
        diskWriteBps: 40,
      },
    ],
  });
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      received.push({
        path: req.url ?? "",
        headers: req.headers as Record<string, string>,
        body,
        json: JSON.parse(body),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  t = await startTestServer({
    FLOTILLA_SECRET_KEY: randomBytes(32).toString("base64"),
    FLOTILLA_WEBHOOK_ALLOW_CIDRS: "127.0.0.0/8",
    FLOTILLA_WEBHOOK_RETRY_DELAY: "1s",
  });
  owner = await signIn(t, t.owner.email, t.owner.password);
  host = await enrolledHost(t);
  agent = await onlineAgent(t, host);
});
afterAll(async () => {
  agent?.ws.close();
  await t?.stop();
  await new Promise((r) => receiver?.close(r));
});

describe("alerting end to end (in process)", () => {
  let secret = "";
  let ruleId = "";

  it("refuses a webhook URL that is not allowed, and creates one that is", async () => {
    const refused = await owner.mutate("webhooks.create", { name: "meta", url: "http://169.254.169.254/latest" });
    expect(refused.status).toBe(400);
    expect(refused.error?.message).toMatch(/link-local/);
    const created = await owner.mutate<{ endpoint: { id: string }; secret: string }>("webhooks.create", {
      name: "ops",
      url: receiverUrl,
    });
    expect(created.status, JSON.stringify(created.error)).toBe(200);
    secret = created.data?.secret ?? "";
    expect(secret).toMatch(/^whsec_/);
    const list = await owner.query<unknown[]>("webhooks.list");
    expect(JSON.stringify(list.data)).not.toContain(secret.slice(6));
  });

  it("fires on a breach in the agent's samples and sends a signed webhook, then resolves", async () => {
    const rule = await owner.mutate<{ id: string }>("alerts.createRule", {
      name: "CPU hot",
      kind: "metric_threshold",
      metric: "cpu",
      comparator: "above",
      threshold: 80,
      severity: "critical",
      description: "{{host}} CPU at {{value}}% (over {{threshold}}%)",
    });
    expect(rule.status, JSON.stringify(rule.error)).toBe(200);
    ruleId = rule.data?.id ?? "";
    // Endpoints per team: one of the host's team, one of another team (which must get nothing).
    const otherTeam = await t.prisma.team.create({ data: { orgId: t.owner.orgId, name: `other-${Date.now()}` } });
    for (const [teamId, path] of [
      [t.owner.teamId, "/my-team"],
      [otherTeam.id, "/other-team"],
    ]) {
      const res = await owner.mutate("webhooks.create", { name: path, url: `${receiverUrl}${path}`, teamId });
      expect(res.status, JSON.stringify(res.error)).toBe(200);
    }
    sendCpu(0.2);
    sendCpu(0.95);
    const firing = await waitFor("firing webhook", () =>
      received.find((r) => r.json.type === "alert.firing" && r.path === "/hook"),
    );
    await waitFor("the team's endpoint", () => received.find((r) => r.path === "/hook/my-team"));
    expect(firing.json.data.alert.summary).toMatch(/CPU at 95% \(over 80%\)/);
    expect(
      verifyWebhook(
        secret,
        {
          id: firing.headers["webhook-id"] ?? "",
          timestamp: firing.headers["webhook-timestamp"] ?? "",
          signature: firing.headers["webhook-signature"] ?? "",
        },
        firing.body,
      ),
    ).toBe(true);
    // Still breaching: no second notification before the repeat interval.
    sendCpu(0.97);
    await new Promise((r) => setTimeout(r, 1500));
    expect(received.filter((r) => r.path === "/hook" && r.json.type !== "alert.resolved")).toHaveLength(1);
    expect(received.filter((r) => r.path === "/hook/other-team")).toHaveLength(0);

    sendCpu(0.1);
    const resolved = await waitFor("resolved webhook", () =>
      received.find((r) => r.json.type === "alert.resolved" && r.path === "/hook"),
    );
    expect(resolved.json.data.alert.state).toBe("resolved");
    await waitFor("the team's resolution", () =>
      received.find((r) => r.json.type === "alert.resolved" && r.path === "/hook/my-team"),
    );

    const alerts = await owner.query<{ id: string; state: string }[]>("alerts.list", { state: "all" });
    const alert = alerts.data?.[0];
    expect(alert?.state).toBe("resolved");
    const history = await owner.query<{ events: { kind: string }[] }>("alerts.history", { id: alert?.id });
    expect(history.data?.events.map((e) => e.kind)).toEqual(["firing", "notified", "resolved", "notified"]);
  });

  it("holds notifications back while a silence covers the host, and while it is in maintenance", async () => {
    const before = received.length;
    const silence = await owner.mutate<{ id: string }>("alerts.createSilence", {
      comment: "patching",
      matchers: { hostIds: [host.hostId] },
      startsAt: new Date(Date.now() - 1000).toISOString(),
      endsAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    expect(silence.status, JSON.stringify(silence.error)).toBe(200);
    sendCpu(0.99);
    const open = await waitFor("a silenced firing alert", async () => {
      const list = await owner.query<{ state: string; silencedBy: string | null }[]>("alerts.list", {
        state: "firing",
      });
      return list.data?.find((a) => a.silencedBy);
    });
    expect(open.silencedBy).toBe(`silence:${silence.data?.id}`);
    await new Promise((r) => setTimeout(r, 1000));
    expect(received.length).toBe(before);
    // Lifting the silence lets the still-firing alert through.
    await owner.mutate("alerts.removeSilence", { id: silence.data?.id });
    await waitFor("the held notification", () => received.length > before);
    sendCpu(0.1);
    await waitFor("resolution", () => received.filter((r) => r.json.type === "alert.resolved").length === 4);

    await t.prisma.host.update({ where: { id: host.hostId }, data: { status: "maintenance" } });
    const during = received.length;
    sendCpu(0.99);
    await waitFor("an alert silenced by maintenance", async () => {
      const list = await owner.query<{ silencedBy: string | null }[]>("alerts.list", { state: "firing" });
      return list.data?.find((a) => a.silencedBy === "maintenance");
    });
    expect(received.length).toBe(during);
    sendCpu(0.1);
    await waitFor("quiet resolution", async () => {
      const list = await owner.query<unknown[]>("alerts.list", { state: "open" });
      return list.data?.length === 0;
    });
    expect(received.length).toBe(during);
    await t.prisma.host.update({ where: { id: host.hostId }, data: { status: "online" } });
  });

  it("previews a rule on recent data", async () => {
    type Preview = { series: { hostId: string; fires: number; values: (number | null)[] }[]; totalFires: number };
    const preview = (threshold: number) =>
      owner.query<Preview>("alerts.preview", { metric: "cpu", comparator: "above", threshold, range: "1h" });
    // Every 15 s bucket of this test's samples averages well over 5 % and under 100 %.
    const low = await preview(5);
    expect(low.status, JSON.stringify(low.error)).toBe(200);
    const mine = low.data?.series.find((s) => s.hostId === host.hostId);
    expect(mine?.values.some((v) => v !== null && v > 5)).toBe(true);
    expect(mine?.fires).toBeGreaterThanOrEqual(1);
    expect((await preview(100)).data?.totalFires).toBe(0);
  });

  it("closes a rule's open alerts when it is paused", async () => {
    sendCpu(0.99);
    await waitFor("an open alert", async () => {
      const list = await owner.query<unknown[]>("alerts.list", { state: "firing" });
      return (list.data?.length ?? 0) > 0;
    });
    const rules = await owner.query<Record<string, unknown>[]>("alerts.rules");
    const current = rules.data?.find((r) => r.id === ruleId) as Record<string, unknown>;
    const {
      id: _id,
      orgId: _org,
      createdAt: _c,
      updatedAt: _u,
      createdById: _by,
      firing: _f,
      pending: _p,
      ...input
    } = current;
    const paused = await owner.mutate("alerts.updateRule", { id: ruleId, rule: { ...input, enabled: false } });
    expect(paused.status, JSON.stringify(paused.error)).toBe(200);
    expect((await owner.query<unknown[]>("alerts.list", { state: "open" })).data).toEqual([]);
    sendCpu(0.99);
    await new Promise((r) => setTimeout(r, 2500));
    expect((await owner.query<unknown[]>("alerts.list", { state: "open" })).data).toEqual([]);
  });

  it("lets viewers read but not change, and keeps organisations apart", async () => {
    const viewer = await memberSession(t, t.owner.orgId, "viewer");
    expect((await viewer.query("alerts.rules")).status).toBe(200);
    expect((await viewer.mutate("alerts.removeRule", { id: ruleId })).status).toBe(403);
    expect((await viewer.mutate("webhooks.create", { name: "x", url: receiverUrl })).status).toBe(403);
    // Receiver URLs often carry a credential: viewers see scheme and host only.
    const seen = await viewer.query<{ url: string }[]>("webhooks.list");
    expect(seen.data?.length).toBeGreaterThan(0);
    for (const e of seen.data ?? []) expect(e.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/…$/);
    const other = await seedOrg(t.prisma, "other");
    const outsider = await signIn(t, other.email, other.password);
    expect((await outsider.query<unknown[]>("alerts.rules")).data).toEqual([]);
    expect((await outsider.query<unknown[]>("alerts.list", { state: "all" })).data).toEqual([]);
    expect((await outsider.mutate("alerts.removeRule", { id: ruleId })).status).toBe(404);
  });
});
