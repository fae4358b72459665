// The Prometheus endpoint of a real server with a real (simulated-hypervisor) agent streaming to
// it: the scrape is refused without the bearer token, passes Debian's `promtool check metrics`,
// and carries the control plane's health and the fleet's per-host figures. Then the rollup
// background job (pg-boss cron) turns the agent's samples into 1-minute rows on its own.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnrollmentToken } from "../../apps/web/src/server/enrollment/tokens.js";
import { waitForHttp } from "../../infra/local/wait.js";
import { freePort, type SeededDatabase, startSeededDatabase } from "../support/postgres.js";
import { newStateDir, type Proc, ROOT, runSimAgent, startProcess } from "../support/processes.js";
import { waitFor } from "../support/wait-for.js";

const TOKEN = "scrape-token-for-tests-0123456789";
let db: SeededDatabase;
let server: Proc;
let agent: Proc | null = null;
let serverUrl: string;

beforeAll(async () => {
  db = await startSeededDatabase();
  const port = await freePort();
  serverUrl = `http://127.0.0.1:${port}`;
  server = startProcess(["--import", "tsx", join(ROOT, "apps/web/server.ts")], {
    DATABASE_URL: db.url,
    PORT: String(port),
    HOST: "127.0.0.1",
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
    FLOTILLA_UI: "off",
    FLOTILLA_METRICS_TOKEN: TOKEN,
  });
  await waitForHttp(`${serverUrl}/healthz`, 90_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${server.output()}`);
  });
});

afterAll(async () => {
  await agent?.stop("SIGKILL");
  await server?.stop();
  await db?.stop();
});

function scrape(token: string | null) {
  return fetch(`${serverUrl}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
}

/** The value of the first series of `name` whose labels contain every `labels` pair. */
function seriesValue(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return null;
}

describe("GET /metrics", () => {
  it("refuses a scrape without the right bearer token", async () => {
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape("not-the-token-at-all-000000")).status).toBe(401);
  });

  it("serves valid Prometheus text with control-plane and fleet metrics", async () => {
    const stateDir = newStateDir();
    const { token } = await createEnrollmentToken(db.prisma, {
      orgId: db.demo.orgId,
      teamId: db.demo.teamId,
      ttlMs: 120_000,
    });
    const tokenFile = join(stateDir, "tokens.json");
    writeFileSync(tokenFile, JSON.stringify([token]));
    agent = runSimAgent(serverUrl, stateDir, tokenFile, 1000);
    const running = agent;
    let hostId = "";
    await waitFor(
      async () => {
        try {
          hostId ||= (
            JSON.parse(readFileSync(join(stateDir, "host-001", "credentials.json"), "utf8")) as { hostId: string }
          ).hostId;
        } catch {
          return false;
        }
        const { rows } = await db.pool.query("SELECT 1 FROM samples WHERE host_id = $1 AND workload_id IS NULL", [
          hostId,
        ]);
        return rows.length >= 3;
      },
      60_000,
      () => running.output(),
    );
    const host = await db.prisma.host.findUniqueOrThrow({ where: { id: hostId }, include: { team: true } });

    const res = await scrape(TOKEN);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();

    const promtool = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(promtool.error, "promtool (Debian package prometheus) must be installed").toBeUndefined();
    expect(promtool.status, `${promtool.stdout}${promtool.stderr}`).toBe(0);

    expect(seriesValue(text, "flotilla_agents_connected")).toBe(1);
    expect(seriesValue(text, "flotilla_ingest_samples_total")).toBeGreaterThanOrEqual(3);
    expect(seriesValue(text, "flotilla_ingest_batches_total", { outcome: "stored" })).toBeGreaterThanOrEqual(1);
    expect(seriesValue(text, "flotilla_ingest_batch_duration_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(seriesValue(text, "flotilla_commands_open", { state: "pending" })).toBe(0);
    expect(seriesValue(text, "flotilla_jobs_queued", { queue: "metrics-rollup-1m" })).not.toBeNull();
    expect(seriesValue(text, "flotilla_db_pool_connections", { state: "total" })).toBeGreaterThanOrEqual(1);
    expect(seriesValue(text, "flotilla_process_resident_memory_bytes")).toBeGreaterThan(0);

    const labels = { host_id: hostId, host: host.name, team: host.team.name };
    expect(seriesValue(text, "flotilla_host_up", labels)).toBe(1);
    const cpu = seriesValue(text, "flotilla_host_cpu_ratio", labels);
    expect(cpu).toBeGreaterThanOrEqual(0);
    expect(cpu).toBeLessThanOrEqual(1);
    expect(seriesValue(text, "flotilla_host_memory_used_bytes", labels)).toBeGreaterThan(0);
  });

  it("prepares the 1-minute tier's daily partitions at start-up", async () => {
    const today = `samples_1m_p${new Date().toISOString().slice(0, 10).replaceAll("-", "")}`;
    await waitFor(
      async () => (await db.pool.query("SELECT to_regclass($1) IS NOT NULL AS ok", [today])).rows[0]?.ok === true,
      30_000,
      () => server.output(),
    );
  });

  it("rolls the agent's samples up into 1-minute rows by the background job", async () => {
    const running = agent as Proc;
    // The cron fires once a minute (pg-boss checks schedules about once a minute) and rolls
    // minutes that closed at least 60 s ago: up to about 3 minutes after the first sample.
    await waitFor(
      async () => {
        const { rows } = await db.pool.query<{ n: number }>(
          "SELECT coalesce(sum(n), 0)::int AS n FROM samples_1m WHERE workload_id IS NULL",
        );
        return (rows[0]?.n ?? 0) > 0;
      },
      250_000,
      () => running.output() + server.output(),
    );
    const { rows } = await db.pool.query<{ raw: number; rolled: number }>(
      `SELECT (SELECT count(*)::int FROM samples s WHERE s.workload_id IS NULL
                 AND s.ts < (SELECT done_until FROM metric_rollup_state WHERE tier = '1m')) AS raw,
              (SELECT sum(n)::int FROM samples_1m WHERE workload_id IS NULL) AS rolled`,
    );
    // Every raw host row before the mark is counted in exactly one minute.
    expect(rows[0]?.rolled).toBe(rows[0]?.raw);
  }, 280_000);
});
