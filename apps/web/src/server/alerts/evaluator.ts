/**
 * The alert evaluator: exactly one across server nodes, chosen with a Postgres advisory lock held
 * on a dedicated connection (a node that dies releases it with its connection). The leader
 * LISTENs for "new samples" signals from every node's ingest path and evaluates those hosts at
 * once, and runs a full pass on a timer for holds, offline hosts, missing data and events.
 */
import pg from "pg";
import type { Services } from "../services.js";
import { evaluateAll, evaluateHosts } from "./evaluation-pass.js";
import { hostIdsOf, SAMPLES_CHANNEL } from "./ingest-signal.js";

const LOCK_KEY = 0x616c7274; // "alrt"
const TICK_MS = 2_000;
const RETRY_LEAD_MS = 5_000;
/** Signals arriving close together are evaluated as one batch of hosts. */
const COALESCE_MS = 100;

export interface AlertEvaluator {
  start(): Promise<void>;
  stop(): Promise<void>;
  isLeader(): boolean;
}

type Deps = Pick<Services, "prisma" | "pool" | "config" | "jobs" | "log" | "live">;

export function createAlertEvaluator(deps: Deps, options: { tickMs?: number } = {}): AlertEvaluator {
  const log = deps.log.child({ component: "alerts" });
  const tickMs = options.tickMs ?? TICK_MS;
  let client: pg.Client | null = null;
  let leader = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let retry: NodeJS.Timeout | null = null;
  let flushTimer: NodeJS.Timeout | null = null;
  const dirty = new Set<string>();
  // One pass at a time, in order: passes never race one another on this node.
  let chain: Promise<unknown> = Promise.resolve();

  function enqueue(what: string, pass: () => Promise<number>) {
    chain = chain.then(pass).catch((err: unknown) => log.error({ err, pass: what }, "alert evaluation failed"));
  }

  function flushDirty() {
    flushTimer = null;
    const hostIds = [...dirty];
    dirty.clear();
    if (hostIds.length > 0) enqueue("hosts", () => evaluateHosts(deps, hostIds));
  }

  async function tryLead() {
    retry = null;
    if (stopped) return;
    const c = new pg.Client({ connectionString: deps.config.databaseUrl });
    c.on("error", (err) => {
      log.warn({ err }, "alert evaluator connection lost");
      loseLead(c);
    });
    try {
      await c.connect();
      const { rows } = await c.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [LOCK_KEY]);
      if (!rows[0]?.ok || stopped) {
        await c.end().catch(() => {});
        scheduleRetry();
        return;
      }
      c.on("notification", (msg) => {
        if (msg.channel !== SAMPLES_CHANNEL || !msg.payload) return;
        for (const hostId of hostIdsOf(msg.payload)) dirty.add(hostId);
        flushTimer ??= setTimeout(flushDirty, COALESCE_MS);
      });
      await c.query(`LISTEN ${SAMPLES_CHANNEL}`);
      client = c;
      leader = true;
      timer = setInterval(() => enqueue("all", () => evaluateAll(deps)), tickMs);
      enqueue("all", () => evaluateAll(deps));
      log.info("this node evaluates alerts");
    } catch (err) {
      log.warn({ err }, "could not take the alert evaluator lead");
      await c.end().catch(() => {});
      scheduleRetry();
    }
  }

  function loseLead(c: pg.Client) {
    if (client !== c) return;
    client = null;
    leader = false;
    if (timer) clearInterval(timer);
    timer = null;
    void c.end().catch(() => {});
    scheduleRetry();
  }

  function scheduleRetry() {
    if (!stopped && !retry) retry = setTimeout(() => void tryLead(), RETRY_LEAD_MS);
  }

  return {
    async start() {
      stopped = false;
      await tryLead();
    },
    async stop() {
      stopped = true;
      for (const t of [retry, flushTimer]) if (t) clearTimeout(t);
      if (timer) clearInterval(timer);
      retry = flushTimer = timer = null;
      await chain;
      const c = client;
      client = null;
      leader = false;
      // Ending the session releases the advisory lock for another node.
      await c?.end().catch(() => {});
    },
    isLeader: () => leader,
  };
}
