/**
 * The one Node HTTP server: tRPC (/api/trpc), agent enrolment (POST /api/agent/enroll), blobs
 * (POST /api/blobs from browsers, GET /api/agent/blobs/:id for agents), health (/healthz), Socket.IO (/socket.io/), the agent gateway (WebSocket /agent) and,
 * for everything else, the Next.js dashboard. API routes are answered here, before Next,
 * so tRPC and Prisma code is never bundled by Next.
 */
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { fileURLToPath } from "node:url";
import { createPrisma } from "@flotilla/db";
import { AGENT_BLOBS_PATH_PREFIX, AGENT_ENROLL_PATH, AGENT_GATEWAY_PATH } from "@flotilla/protocol";
import { nodeHTTPRequestHandler } from "@trpc/server/adapters/node-http";
import pg from "pg";
import { type AlertEvaluator, createAlertEvaluator } from "./alerts/evaluator.js";
import { createSignInLimits } from "./auth/sign-in.js";
import { BLOB_UPLOAD_PATH, handleBlobUpload } from "./commands/blob-upload-endpoint.js";
import { type CommandDispatcher, createCommandDispatcher } from "./commands/dispatcher.js";
import type { PgListener } from "./commands/pg-listener.js";
import { createDeployReconciler, type DeployReconciler } from "./deploy/reconciler.js";
import type { Config } from "./env.js";
import { announceAgentRevoked, createAgentRevocationListener } from "./fleet/agent-revocation.js";
import { handleAgentBlobRequest } from "./gateway/blob-endpoint.js";
import { handleEnrollRequest } from "./gateway/enroll-endpoint.js";
import { type AgentGateway, createAgentGateway } from "./gateway/gateway.js";
import { createLivenessSweeper, type LivenessSweeper } from "./gateway/liveness-sweeper.js";
import { sendJson } from "./http/json.js";
import { routeAccessRequest, stripInternalHeaders } from "./http/rest-endpoints.js";
import { createJobQueue, type JobQueue } from "./jobs/queue.js";
import { createLiveServer, LIVE_PATH, type LiveServer } from "./live/live-server.js";
import { createLogger, type Logger } from "./logger.js";
import { createPrometheusExporter, METRICS_PATH, type PrometheusExporter } from "./metrics/prometheus.js";
import { defineMetricsStorageJobs, requestStartupUpkeep } from "./metrics/storage-jobs.js";
import { createMigrationOrchestrator, type MigrationOrchestrator } from "./migrations/orchestrator.js";
import { createPlanExecutor, type PlanExecutor } from "./plans/executor.js";
import { createPullAuthResolver } from "./registries/pull-auth.js";
import type { Services } from "./services.js";
import { createContextFactory } from "./trpc/context.js";
import { appRouter } from "./trpc/router.js";
import { defineDeliveryQueue } from "./webhooks/deliveries.js";

const TRPC_PREFIX = "/api/trpc";
const TRPC_MAX_BODY_BYTES = 1024 * 1024;
const WEB_DIR = fileURLToPath(new URL("../..", import.meta.url));
/** How long stop() lets agents' queued writes and open HTTP requests finish. */
const DRAIN_TIMEOUT_MS = 10_000;
const UNANSWERED_UPGRADE_MS = 5_000;

export interface AppServer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The bound port (the real one after start() when config.port was 0). */
  readonly port: number;
  /** A URL this process can reach itself at, e.g. http://127.0.0.1:3000. */
  readonly url: string;
}

export interface AppServerOptions {
  /** Defaults to a pino logger at config.logLevel. */
  logger?: Logger;
  /** The Next.js project directory; defaults to apps/web. */
  webDir?: string;
}

type NextUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<void>;
type NextHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

interface Running {
  services: Services;
  live: LiveServer;
  gateway: AgentGateway;
  commands: CommandDispatcher;
  sweeper: LivenessSweeper;
  deploy: DeployReconciler;
  migrations: MigrationOrchestrator;
  plans: PlanExecutor;
  alerts: AlertEvaluator;
  revocations: PgListener;
  prometheus: PrometheusExporter;
  next: { handle: NextHandler; upgrade: NextUpgrade; close(): Promise<void> } | null;
  trpcContext: ReturnType<typeof createContextFactory>;
}

/** Shared by every upgraded socket (a closure each would cost memory at 10,000 agents). */
function ignoreError() {}

function pathnameOf(req: IncomingMessage): string {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

/** Next.js in-process. Loaded lazily so an API-only server never imports it. */
async function startNext(config: Config, server: Server, dir: string) {
  const { default: next } = await import("next");
  const app = next({
    dev: config.ui === "dev",
    dir,
    hostname: config.host,
    port: (server.address() as AddressInfo | null)?.port ?? config.port,
    // Next attaches its own 'upgrade' listener to the server it is given (or finds on the first
    // request), which would also see /agent and /socket.io upgrades. We route upgrades ourselves
    // and hand Next only the paths that are not ours, so it gets a stand-in that never fires.
    httpServer: new EventEmitter() as Server,
  });
  await app.prepare();
  // Next 16's public getUpgradeHandler() reaches a no-op (NextNodeServer.handleUpgrade); the
  // handler that serves HMR (/_next/hmr) and proxied rewrites is the router's, which Next's own
  // listener uses. Prefer it, and fall back to the public one if a later Next drops the getter.
  const internal = (app as unknown as { upgradeHandler?: NextUpgrade }).upgradeHandler;
  const upgrade: NextUpgrade = typeof internal === "function" ? internal : app.getUpgradeHandler();
  return { handle: app.getRequestHandler(), upgrade, close: () => app.close() };
}

export function createAppServer(config: Config, options: AppServerOptions = {}): AppServer {
  const log = options.logger ?? createLogger(config);
  const server = createServer();
  let running: Running | null = null;
  let stopping: Promise<void> | null = null;

  function handleRequest(req: IncomingMessage, res: ServerResponse) {
    stripInternalHeaders(req);
    const r = running;
    const pathname = pathnameOf(req);
    if (!r) return sendJson(res, 503, { error: { code: "unavailable", message: "starting up" } });
    if (pathname === "/healthz") return sendJson(res, 200, { ok: true, agents: r.gateway.connectionCount() });
    if (pathname === METRICS_PATH) return r.prometheus.handleRequest(req, res);
    if (pathname === TRPC_PREFIX || pathname.startsWith(`${TRPC_PREFIX}/`)) {
      void nodeHTTPRequestHandler({
        router: appRouter,
        createContext: r.trpcContext,
        req,
        res,
        path: pathname.slice(TRPC_PREFIX.length + 1),
        maxBodySize: TRPC_MAX_BODY_BYTES,
        onError({ error, ctx, path }) {
          if (error.code === "INTERNAL_SERVER_ERROR")
            (ctx?.log ?? log).error({ err: error.cause ?? error, path }, "tRPC error");
        },
      });
      return;
    }
    if (routeAccessRequest(req, res, pathname, { services: r.services, log, createContext: r.trpcContext })) return;
    if (pathname === AGENT_ENROLL_PATH) {
      void handleEnrollRequest(req, res, {
        prisma: r.services.prisma,
        log,
        // Whichever node holds the agent's connection closes it.
        onReplaced: (agentId) =>
          void announceAgentRevoked(r.services.pool, agentId, "credential replaced by a new enrolment").catch(
            (err: unknown) => log.warn({ err }, "could not announce a replaced agent credential"),
          ),
      });
      return;
    }
    if (pathname.startsWith(AGENT_BLOBS_PATH_PREFIX)) {
      void handleAgentBlobRequest(req, res, pathname, r.services);
      return;
    }
    if (pathname === BLOB_UPLOAD_PATH) {
      void handleBlobUpload(req, res, r.services);
      return;
    }
    if (pathname.startsWith(LIVE_PATH)) return r.live.handleRequest(req, res);
    if (r.next) {
      r.next.handle(req, res).catch((err: unknown) => {
        log.error({ err, path: pathname }, "Next.js request failed");
        if (!res.headersSent) sendJson(res, 500, { error: { code: "internal", message: "Something went wrong" } });
      });
      return;
    }
    sendJson(res, 404, { error: { code: "not_found", message: "Not found" } });
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    stripInternalHeaders(req);
    socket.on("error", ignoreError);
    const r = running;
    const pathname = pathnameOf(req);
    if (!r || stopping) return socket.destroy();
    if (pathname === AGENT_GATEWAY_PATH) return r.gateway.handleUpgrade(req, socket, head);
    if (pathname.startsWith(LIVE_PATH)) return r.live.handleUpgrade(req, socket, head);
    if (r.next) {
      r.next.upgrade(req, socket, head).catch(() => socket.destroy());
      // Next leaves upgrades it has no use for open (in case another listener wants them);
      // we are the only listener, so one that got no answer is closed.
      setTimeout(() => {
        if (!socket.destroyed && (socket as Duplex & { bytesWritten?: number }).bytesWritten === 0) socket.destroy();
      }, UNANSWERED_UPGRADE_MS).unref();
      return;
    }
    socket.destroy();
  }

  server.on("request", (req, res) => {
    try {
      handleRequest(req, res);
    } catch (err) {
      log.error({ err }, "request handler threw");
      if (!res.headersSent) sendJson(res, 500, { error: { code: "internal", message: "Something went wrong" } });
    }
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      handleUpgrade(req, socket, head);
    } catch (err) {
      log.error({ err }, "upgrade handler threw");
      socket.destroy();
    }
  });
  server.on("clientError", (_err, socket) => socket.destroy());

  async function listen() {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  }

  async function start() {
    const prisma = createPrisma(config.databaseUrl);
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 10 });
    pool.on("error", (err) => log.error({ err }, "idle PostgreSQL connection failed"));
    // A checked-out client has no pool listener: if PostgreSQL goes away between two queries
    // of a transaction its 'error' would be uncaught and kill the process. The query that
    // uses it next fails and releases it; nothing more to do here.
    pool.on("connect", (client) => client.on("error", () => {}));
    let sweeper: LivenessSweeper | null = null;
    let commands: CommandDispatcher | null = null;
    let deploy: DeployReconciler | null = null;
    let migrations: MigrationOrchestrator | null = null;
    let plans: PlanExecutor | null = null;
    let jobs: JobQueue | null = null;
    let alerts: AlertEvaluator | null = null;
    let revocations: PgListener | null = null;
    try {
      await pool.query("SELECT 1").catch((err: Error) => {
        throw new Error(`cannot reach PostgreSQL at DATABASE_URL: ${err.message}`);
      });
      const live = createLiveServer({ prisma, log, config });
      jobs = createJobQueue(config.databaseUrl, log, { cronCheckSeconds: config.cronCheckSeconds });
      const services: Services = {
        config,
        log,
        prisma,
        pool,
        live: live.publisher,
        signInLimits: createSignInLimits(prisma),
        jobs,
      };
      commands = createCommandDispatcher({
        ...services,
        databaseUrl: config.databaseUrl,
        // image.pull gets the organisation's stored registry login in the frame only, never in the row.
        resolveSecrets: createPullAuthResolver(services),
      });
      // Rollups and retention of the metrics tiers (issue 9), and the /metrics exporter.
      defineMetricsStorageJobs(services);
      const prometheus = createPrometheusExporter(services);
      const gateway = createAgentGateway({
        ...services,
        commands,
        databaseUrl: config.databaseUrl,
        ingest: prometheus.ingest,
      });
      prometheus.setAgentCount(() => gateway.connectionCount());
      // Credentials revoked on any node (a host removed, an agent enrolled again) close here too.
      revocations = createAgentRevocationListener({
        databaseUrl: config.databaseUrl,
        pool,
        log,
        connectedAgentIds: () => gateway.connectedAgentIds(),
        disconnectAgent: (agentId, code, reason) => gateway.disconnectAgent(agentId, code, reason),
      });
      await revocations.start();
      // A host marked offline comes back with its next stored batch (the seen batcher notes it).
      sweeper = createLivenessSweeper(services, { offlineAfterIntervals: config.offlineAfterIntervals });
      await sweeper.start();
      // Before agents can connect: it sends them their commands as they are welcomed.
      await commands.start();
      // Resumes rollouts a previous run left unfinished; its commands wait for their agents.
      deploy = createDeployReconciler(services);
      await deploy.start();
      // Resumes live migrations a previous run left unfinished (their state is in the database).
      migrations = createMigrationOrchestrator({ ...services, databaseUrl: config.databaseUrl });
      await migrations.start();
      // Resumes approved and running consolidation plans (their state is in the database).
      plans = createPlanExecutor(services);
      await plans.start();
      defineDeliveryQueue(services);
      // Features have defined their queues and workers by now.
      await jobs.start();
      // After the queue: notifications it raises become webhook delivery jobs.
      alerts = createAlertEvaluator(services);
      await alerts.start();
      await requestStartupUpkeep(services);
      await listen();
      // Requests that arrive while Next prepares get 503 from handleRequest (running is null).
      const next = config.ui === "off" ? null : await startNext(config, server, options.webDir ?? WEB_DIR);
      await gateway.start();
      running = {
        services,
        live,
        gateway,
        commands,
        sweeper,
        deploy,
        migrations,
        plans,
        alerts,
        revocations,
        prometheus,
        next,
        trpcContext: createContextFactory(services),
      };
      log.info({ port: appServer.port, ui: config.ui }, "server started");
    } catch (err) {
      // Undo what was started, so a failed start leaves no timers, sockets or connections behind.
      await sweeper?.stop().catch(() => {});
      await revocations?.stop().catch(() => {});
      await alerts?.stop().catch(() => {});
      await deploy?.stop().catch(() => {});
      await plans?.stop().catch(() => {});
      await migrations?.stop().catch(() => {});
      await commands?.stop().catch(() => {});
      await jobs?.stop().catch(() => {});
      if (server.listening) await new Promise((done) => server.close(done));
      await pool.end().catch(() => {});
      await prisma.$disconnect().catch(() => {});
      throw err;
    }
  }

  /**
   * Shutdown order matters: stop taking new connections; close agents with 1001 so they
   * reconnect elsewhere; close browsers' live connections; let agents' queued writes finish
   * (flush: their command results go through the dispatcher, so it stops after); stop Next
   * and background jobs; end HTTP; close the database last, since
   * everything before may still be writing to it.
   */
  async function stop() {
    const r = running;
    if (!r) {
      if (server.listening) await new Promise((done) => server.close(done));
      return;
    }
    const httpClosed = new Promise<void>((done) => server.close(() => done()));
    r.gateway.closeAll();
    await r.revocations.stop();
    await r.live.close();
    await r.gateway.flush(DRAIN_TIMEOUT_MS);
    // Before the dispatcher: a rollout step may still be requesting commands.
    await r.deploy.stop();
    // Before migrations: a plan waits on its migrations and must not start new ones.
    await r.plans.stop();
    await r.migrations.stop();
    await r.commands.stop();
    await r.sweeper.stop();
    // Before the queue: a pass in progress may still be queueing deliveries.
    await r.alerts.stop();
    await r.services.jobs.stop();
    await r.next?.close().catch((err: unknown) => log.warn({ err }, "closing Next.js failed"));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS);
    await httpClosed;
    clearTimeout(timer);
    running = null;
    await r.services.pool.end();
    await r.services.prisma.$disconnect();
    log.info("server stopped");
  }

  const appServer: AppServer = {
    start,
    stop() {
      stopping ??= stop();
      return stopping;
    },
    get port() {
      const address = server.address();
      return address && typeof address === "object" ? address.port : config.port;
    },
    get url() {
      const wildcard = config.host === "0.0.0.0" || config.host === "::";
      const host = wildcard ? "127.0.0.1" : config.host.includes(":") ? `[${config.host}]` : config.host;
      return `http://${host}:${appServer.port}`;
    },
  };
  return appServer;
}
