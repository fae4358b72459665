// Breach to webhook: the bundled agent (docker driver, 1 s collection) on a private dockerd, the
// real server and PostgreSQL, a threshold rule on a container's CPU, and a signing-verifying
// HTTP receiver on loopback. Each round the bench makes the container burn CPU (a control file in
// a bind mount), times until the firing webhook arrives, then lets it idle until the resolution
// arrives. p50/p95 go to test/bench/results/alerts.json; the goal (p95 <= 5 s) is recorded, never asserted.
//   pnpm run bench:alerts                 (BENCH_ROUNDS=20 by default; BENCH_OUT to write elsewhere)
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { TrpcSession } from "../../apps/web/src/server/testing/trpc-client.js";
import { verifyWebhook } from "../../apps/web/src/server/webhooks/signing.js";
import { type ContainerEngine, startEngine } from "../support/container-engines.js";
import { startDockerAgent } from "../support/docker-agent.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { type Proc, ROOT, startServer } from "../support/processes.js";
import { waitFor } from "../support/wait-for.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const OUT = process.env.BENCH_OUT ?? join(ROOT, "test/bench/results/alerts.json");
const THRESHOLD_PERCENT = 15;
const GOAL_P95_MS = 5000;

interface Arrival {
  at: number;
  type: string;
  verified: boolean;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

async function main() {
  const secretKey = randomBytes(32).toString("base64");
  Object.assign(process.env, {
    FLOTILLA_SECRET_KEY: secretKey,
    FLOTILLA_WEBHOOK_ALLOW_CIDRS: "127.0.0.0/8",
  });
  const arrivals: Arrival[] = [];
  let secret = "";
  const receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", () => {
      const at = Date.now();
      const h = req.headers as Record<string, string>;
      const verified = verifyWebhook(
        secret,
        { id: h["webhook-id"] ?? "", timestamp: h["webhook-timestamp"] ?? "", signature: h["webhook-signature"] ?? "" },
        body,
      );
      arrivals.push({ at, type: (JSON.parse(body) as { type: string }).type, verified });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  let engine: ContainerEngine | null = null;
  let db: SeededDatabase | null = null;
  let server: Proc | null = null;
  let agent: Proc | null = null;
  const ctlDir = mkdtempSync(join(tmpdir(), "flotilla-alert-bench-"));
  const burnFile = join(ctlDir, "burn");
  try {
    [engine, db] = await Promise.all([startEngine("docker"), startSeededDatabase()]);
    const port = await freePort();
    const serverUrl = `http://127.0.0.1:${port}`;
    server = await startServer(db.url, port, { ui: false });
    const started = await startDockerAgent(serverUrl, db, engine.socketPath);
    agent = started.agent;
    // Burns one core while /ctl/burn exists (each loop turn checks it), idles otherwise.
    const container = await engine.api.createContainer({
      name: `burner-${randomBytes(3).toString("hex")}`,
      Image: engine.image,
      Cmd: ["sh", "-c", "while :; do while [ -e /ctl/burn ]; do :; done; sleep 0.05; done"],
      HostConfig: { Init: true, NetworkMode: engine.network, Binds: [`${ctlDir}:/ctl`] },
    });
    await container.start();

    const owner = new TrpcSession(serverUrl);
    const signIn = await owner.mutate("auth.signIn", { email: db.email, password: db.password });
    if (signIn.status !== 200) throw new Error("sign-in failed");
    const endpoint = await owner.mutate<{ secret: string }>("webhooks.create", {
      name: "bench",
      url: receiverUrl,
      events: ["alert.firing", "alert.resolved"],
    });
    if (!endpoint.data) throw new Error(`webhooks.create: ${JSON.stringify(endpoint.error)}`);
    secret = endpoint.data.secret;
    const rule = await owner.mutate("alerts.createRule", {
      name: "container CPU",
      kind: "metric_threshold",
      target: "workload",
      metric: "cpu",
      comparator: "above",
      threshold: THRESHOLD_PERCENT,
      scope: { hostIds: [started.hostId] },
    });
    if (rule.status !== 200) throw new Error(`alerts.createRule: ${JSON.stringify(rule.error)}`);
    // The container must be in the inventory before its samples can be matched to it.
    await waitFor(
      async () =>
        (await db?.prisma.workload.count({ where: { hostId: started.hostId, externalId: container.id } })) === 1,
      30_000,
    );
    await sleep(3000);

    const latencies: number[] = [];
    const missed: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const firedBefore = arrivals.filter((a) => a.type === "alert.firing").length;
      const resolvedBefore = arrivals.filter((a) => a.type === "alert.resolved").length;
      const t0 = Date.now();
      writeFileSync(burnFile, "1");
      const debug = process.env.BENCH_DEBUG
        ? setInterval(async () => {
            const { rows } = await (db as SeededDatabase).pool.query(
              "SELECT ts, cpu_cores FROM samples WHERE workload_id = $1 ORDER BY ts DESC LIMIT 1",
              [container.id],
            );
            const open = await (db as SeededDatabase).prisma.alertInstance.findMany({
              select: { state: true, value: true, silencedBy: true },
            });
            console.log(Date.now() - t0, JSON.stringify(rows[0]), JSON.stringify(open));
          }, 1000)
        : null;
      try {
        await waitFor(() => arrivals.filter((a) => a.type === "alert.firing").length > firedBefore, 30_000);
        const fired = arrivals.filter((a) => a.type === "alert.firing")[firedBefore] as Arrival;
        latencies.push(fired.at - t0);
        console.log(`round ${round}: firing webhook after ${fired.at - t0} ms`);
      } catch {
        missed.push(round);
        console.log(`round ${round}: no firing webhook within 30 s`);
      }
      if (debug) clearInterval(debug);
      rmSync(burnFile, { force: true });
      await waitFor(() => arrivals.filter((a) => a.type === "alert.resolved").length > resolvedBefore, 30_000).catch(
        () => {
          console.log(`round ${round}: no resolution within 30 s`);
        },
      );
      await sleep(1500);
    }

    const sorted = [...latencies].sort((a, b) => a - b);
    const results = {
      benchmark: "alerts: breach in an agent's metric -> signed webhook received",
      command: "pnpm run bench:alerts",
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, loadavg: loadavg() },
      setup: {
        agent: "bundled agent, docker driver, --interval-ms 1000",
        rule: `container CPU above ${THRESHOLD_PERCENT} % of one core, hold 0 s`,
        breach: "a container starts burning one core (control file in a bind mount)",
        measured: "from creating the control file to the firing webhook reaching the loopback receiver",
      },
      rounds: ROUNDS,
      fired: latencies.length,
      missed,
      signaturesVerified: arrivals.every((a) => a.verified),
      latencyMs: {
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        min: sorted[0] ?? null,
        max: sorted.at(-1) ?? null,
        all: latencies,
      },
      goal: { p95Ms: GOAL_P95_MS, met: percentile(sorted, 95) <= GOAL_P95_MS },
    };
    writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
    console.log(JSON.stringify(results.latencyMs), `-> ${relative(process.cwd(), OUT)}`);
  } finally {
    rmSync(burnFile, { force: true });
    await agent?.stop();
    await server?.stop();
    await engine?.stop();
    await db?.stop();
    rmSync(ctlDir, { recursive: true, force: true });
    receiver.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
