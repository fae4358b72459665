/**
 * The Prometheus endpoint (GET /metrics, text format): the control plane's own health - agents
 * connected, ingest rates and batch latency, command and job queue depths, the database pool,
 * process figures - and the fleet's newest per-host CPU and memory. One registry per server, so
 * several servers in one process (tests) never share counters.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { latestHostSamples } from "@flotilla/db";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { sendJson } from "../http/json.js";
import type { Services } from "../services.js";
import type { BatchOutcome, IngestRecorder } from "./ingest-stats.js";
import { checkScrapeAccess } from "./scrape-access.js";

export const METRICS_PATH = "/metrics";

type Deps = Pick<Services, "pool" | "prisma" | "jobs" | "log" | "config">;

export interface PrometheusExporter {
  readonly ingest: IngestRecorder;
  /** Tells the exporter how to count live agent connections (the gateway is built after it). */
  setAgentCount(count: () => number): void;
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
}

export function createPrometheusExporter(deps: Deps): PrometheusExporter {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "flotilla_" });
  // Gauges named *_total break Prometheus' naming rules (promtool rejects them); the same counts
  // remain, split by type, in flotilla_nodejs_active_handles and _requests and _resources.
  for (const kind of ["handles", "requests", "resources"]) {
    registry.removeSingleMetric(`flotilla_nodejs_active_${kind}_total`);
  }
  let agentCount = () => 0;

  new Gauge({
    name: "flotilla_agents_connected",
    help: "Agent WebSocket connections held by this server node.",
    registers: [registry],
    collect() {
      this.set(agentCount());
    },
  });
  const samples = new Counter({
    name: "flotilla_ingest_samples_total",
    help: "Metric samples committed to PostgreSQL by this node.",
    registers: [registry],
  });
  const batches = new Counter({
    name: "flotilla_ingest_batches_total",
    help: "Metrics batches received, by outcome (stored, duplicate, failed).",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const batchSeconds = new Histogram({
    name: "flotilla_ingest_batch_duration_seconds",
    help: "Time to commit one metrics batch, from its arrival in the write path to COMMIT.",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  defineQueueGauges(registry, deps);
  const refreshFleet = defineFleetGauges(registry, deps);

  return {
    ingest: {
      batch(outcome: BatchOutcome, seconds: number, count: number) {
        batches.inc({ outcome });
        if (outcome === "failed") return;
        batchSeconds.observe(seconds);
        if (outcome === "stored") samples.inc(count);
      },
    },
    setAgentCount(count) {
      agentCount = count;
    },
    handleRequest(req, res) {
      const verdict = checkScrapeAccess(req, deps.config.metricsToken);
      if (verdict === "forbidden") {
        return sendJson(res, 403, {
          error: { code: "forbidden", message: "set FLOTILLA_METRICS_TOKEN to scrape from other hosts" },
        });
      }
      if (verdict === "unauthorized") {
        res.setHeader("WWW-Authenticate", 'Bearer realm="metrics"');
        return sendJson(res, 401, { error: { code: "unauthorized", message: "a valid bearer token is required" } });
      }
      refreshFleet()
        .then(() => registry.metrics())
        .then(
          (text) => {
            res.writeHead(200, { "Content-Type": registry.contentType, "Cache-Control": "no-store" });
            res.end(text);
          },
          (err: unknown) => {
            deps.log.error({ err }, "collecting /metrics failed");
            sendJson(res, 500, { error: { code: "internal", message: "collecting metrics failed" } });
          },
        );
    },
  };
}

/** Commands waiting for or running on agents, background jobs per queue, and the pg pool. */
function defineQueueGauges(registry: Registry, deps: Deps) {
  new Gauge({
    name: "flotilla_commands_open",
    help: "Commands not finished yet, by state (pending, sent, running), across the fleet.",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      const { rows } = await deps.pool.query<{ state: string; n: number }>(
        `SELECT s.state, count(c.id)::int AS n
         FROM unnest(ARRAY['pending', 'sent', 'running']) AS s(state)
         LEFT JOIN commands c ON c.state::text = s.state
         GROUP BY s.state`,
      );
      this.reset();
      for (const r of rows) this.set({ state: r.state }, r.n);
    },
  });
  new Gauge({
    name: "flotilla_jobs_queued",
    help: "Background jobs waiting in each pg-boss queue.",
    labelNames: ["queue"],
    registers: [registry],
    async collect() {
      const queues = await deps.jobs.boss.getQueues();
      this.reset();
      for (const q of queues) this.set({ queue: q.name }, q.queuedCount);
    },
  });
  new Gauge({
    name: "flotilla_jobs_active",
    help: "Background jobs being worked on, per pg-boss queue.",
    labelNames: ["queue"],
    registers: [registry],
    async collect() {
      const queues = await deps.jobs.boss.getQueues();
      this.reset();
      for (const q of queues) this.set({ queue: q.name }, q.activeCount);
    },
  });
  new Gauge({
    name: "flotilla_db_pool_connections",
    help: "The metrics pg pool's connections: total open, idle, and callers waiting for one.",
    labelNames: ["state"],
    registers: [registry],
    collect() {
      this.set({ state: "total" }, deps.pool.totalCount);
      this.set({ state: "idle" }, deps.pool.idleCount);
      this.set({ state: "waiting" }, deps.pool.waitingCount);
    },
  });
}

/**
 * The newest host sample of every host (at most 10 minutes old), labelled by host and team.
 * Returns the refresh to await before rendering: four gauges are set from one query, which a
 * per-gauge collect() could not do (prom-client collects the gauges concurrently).
 */
function defineFleetGauges(registry: Registry, deps: Deps): () => Promise<void> {
  const labelNames = ["host_id", "host", "team", "org_id"] as const;
  const cpu = new Gauge({
    name: "flotilla_host_cpu_ratio",
    help: "Host CPU use as a ratio of its cores (0 to 1), newest sample.",
    labelNames,
    registers: [registry],
  });
  const memUsed = new Gauge({
    name: "flotilla_host_memory_used_bytes",
    help: "Host memory in use, newest sample.",
    labelNames,
    registers: [registry],
  });
  const memTotal = new Gauge({
    name: "flotilla_host_memory_total_bytes",
    help: "Host memory size, newest sample.",
    labelNames,
    registers: [registry],
  });
  const up = new Gauge({
    name: "flotilla_host_up",
    help: "1 when the host is online, 0 otherwise.",
    labelNames,
    registers: [registry],
  });
  return async () => {
    const hosts = await deps.prisma.host.findMany({
      select: { id: true, name: true, orgId: true, status: true, team: { select: { name: true } } },
    });
    const latest = new Map(
      (
        await latestHostSamples(
          deps.pool,
          hosts.map((h) => h.id),
        )
      ).map((s) => [s.hostId, s]),
    );
    for (const g of [up, cpu, memUsed, memTotal]) g.reset();
    for (const h of hosts) {
      const labels = { host_id: h.id, host: h.name, team: h.team.name, org_id: h.orgId };
      up.set(labels, h.status === "online" ? 1 : 0);
      const s = latest.get(h.id);
      if (!s) continue;
      if (s.cpuRatio !== null) cpu.set(labels, s.cpuRatio);
      if (s.memUsedBytes !== null) memUsed.set(labels, s.memUsedBytes);
      if (s.memTotalBytes !== null) memTotal.set(labels, s.memTotalBytes);
    }
  };
}
