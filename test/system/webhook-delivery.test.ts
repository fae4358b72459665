// Webhook deliveries against the real server process and PostgreSQL, to a real HTTP receiver on
// loopback (allowed by FLOTILLA_WEBHOOK_ALLOW_CIDRS). The receiver verifies every signature and
// answers 500 a few times; the server is stopped while the delivery waits for its next retry and
// started again: the delivery still arrives, once, with one webhook-id, and its log shows each attempt.
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { EnrollResponse } from "@flotilla/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import { connectAgent, enroll, hostInfo, type TestAgent } from "../../apps/web/src/server/testing/agent-client.js";
import { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import { verifyWebhook } from "../../apps/web/src/server/webhooks/signing.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { type Proc, startServer } from "../support/processes.js";
import { waitFor } from "../support/wait-for.js";

/** How many times the receiver answers 500 before it accepts. */
const FAILURES = 4;
const WEBHOOK_ENV = {
  FLOTILLA_SECRET_KEY: randomBytes(32).toString("base64"),
  FLOTILLA_WEBHOOK_ALLOW_CIDRS: "127.0.0.0/8",
  FLOTILLA_WEBHOOK_RETRY_DELAY: "1s",
};

interface Hit {
  id: string;
  status: number;
  verified: boolean;
  body: Record<string, unknown>;
}

let db: SeededDatabase;
let server: Proc;
let port: number;
let serverUrl: string;
let receiver: Server;
let receiverUrl: string;
let secret = "";
const hits: Hit[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      const h = req.headers as Record<string, string>;
      const verified = verifyWebhook(
        secret,
        { id: h["webhook-id"] ?? "", timestamp: h["webhook-timestamp"] ?? "", signature: h["webhook-signature"] ?? "" },
        body,
      );
      const status = hits.length < FAILURES ? 500 : 200;
      hits.push({ id: h["webhook-id"] ?? "", status, verified, body: JSON.parse(body) });
      res
        .writeHead(status, { "content-type": "text/plain" })
        .end(status === 500 ? "receiver down for maintenance" : "ok");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alertmanager`;
  Object.assign(process.env, WEBHOOK_ENV);
  db = await startSeededDatabase();
  port = await freePort();
  serverUrl = `http://127.0.0.1:${port}`;
  server = await startServer(db.url, port, { ui: false });
});

afterAll(async () => {
  for (const key of Object.keys(WEBHOOK_ENV)) delete process.env[key];
  await server?.stop();
  await db?.stop();
  await new Promise((r) => receiver?.close(r));
});

async function onlineHost(): Promise<{ credential: EnrollResponse; agent: TestAgent }> {
  const { token } = await createEnrollmentToken(db.prisma, {
    orgId: db.demo.orgId,
    teamId: db.demo.teamId,
    ttlMs: 60_000,
  });
  const res = await enroll(serverUrl, { token, host: hostInfo(randomUUID()), agentVersion: "0.0.0-test" });
  expect(res.status).toBe(200);
  const credential = res.json as EnrollResponse;
  const agent = await connectAgent(serverUrl, credential);
  agent.hello();
  await agent.next("welcome");
  return { credential, agent };
}

function cpuSample(seq: number, ratio: number) {
  return {
    type: "metrics" as const,
    seq,
    samples: [
      {
        ts: Date.now(),
        target: { kind: "host" as const },
        cpuCores: ratio * 8,
        cpuRatio: ratio,
        memUsedBytes: 4e9,
        memTotalBytes: 16e9,
        netRxBps: 0,
        netTxBps: 0,
        diskReadBps: 0,
        diskWriteBps: 0,
      },
    ],
  };
}

describe("webhook deliveries", () => {
  it("retries after 500s, survives a server restart mid-retry, and logs every attempt", async () => {
    const owner = new TrpcSession(serverUrl);
    expect((await owner.mutate("auth.signIn", { email: db.email, password: db.password })).status).toBe(200);
    const endpoint = await owner.mutate<{ endpoint: { id: string }; secret: string }>("webhooks.create", {
      name: "alertmanager-receiver",
      url: receiverUrl,
      format: "alertmanager",
      events: ["alert.firing", "alert.resolved"],
    });
    expect(endpoint.status, JSON.stringify(endpoint.error)).toBe(200);
    secret = endpoint.data?.secret ?? "";
    const rule = await owner.mutate("alerts.createRule", {
      name: "CPU hot",
      kind: "metric_threshold",
      metric: "cpu",
      comparator: "above",
      threshold: 90,
      severity: "critical",
    });
    expect(rule.status, JSON.stringify(rule.error)).toBe(200);

    const { credential, agent } = await onlineHost();
    agent.send(cpuSample(1, 0.99));
    await waitFor(
      () => hits.length >= 2,
      30_000,
      () => server.output(),
    );
    // Stop while the delivery waits for its next retry.
    agent.ws.close();
    await server.stop();
    const whileDown = hits.length;
    expect(whileDown).toBeLessThan(FAILURES + 1);
    server = await startServer(db.url, port, { ui: false });
    await waitFor(
      () => hits.some((h) => h.status === 200),
      60_000,
      () => server.output(),
    );

    expect(hits.every((h) => h.verified)).toBe(true);
    expect(new Set(hits.map((h) => h.id)).size).toBe(1);
    expect(hits.length).toBe(FAILURES + 1);
    expect(hits[0]?.body).toMatchObject({
      version: "4",
      status: "firing",
      receiver: "alertmanager-receiver",
      commonLabels: { alertname: "CPU hot", severity: "critical" },
    });
    const log = await owner.query<
      { state: string; attempts: number; attemptsLog: { status: number | null; response: string }[] }[]
    >("webhooks.deliveries", { endpointId: endpoint.data?.endpoint.id });
    expect(log.data).toHaveLength(1);
    expect(log.data?.[0]).toMatchObject({ state: "delivered", attempts: FAILURES + 1 });
    expect(log.data?.[0]?.attemptsLog.map((a) => a.status)).toEqual([500, 500, 500, 500, 200]);
    expect(log.data?.[0]?.attemptsLog[0]?.response).toBe("receiver down for maintenance");

    // Nothing was notified twice by the restarted evaluator; the alert resolves with one more delivery.
    await new Promise((r) => setTimeout(r, 2500));
    expect(hits.length).toBe(FAILURES + 1);
    const again = await connectAgent(serverUrl, credential);
    again.hello();
    await again.next("welcome");
    again.send(cpuSample(2, 0.05));
    await waitFor(
      () => hits.length === FAILURES + 2,
      20_000,
      () => server.output(),
    );
    expect(hits.at(-1)?.body).toMatchObject({ status: "resolved" });
    expect(hits.at(-1)?.verified).toBe(true);
    again.ws.close();
  });
});
