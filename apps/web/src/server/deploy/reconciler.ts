/**
 * The background job that carries out deployments and stacks: every second it takes one step on
 * each deployment and stack that is not at rest. One node works at a time: whoever holds a
 * PostgreSQL advisory lock on a connection kept for it; when that node stops or loses its
 * connection, another takes over within a tick. Since every step reads its state from the
 * database (and commands carry idempotency keys), a takeover or restart simply carries on.
 */
import type pg from "pg";
import type { DeployDeps } from "./replica-ops.js";
import { ACTIVE_DEPLOYMENT_STATES, reconcileDeployment } from "./rollout.js";
import { reconcileStack } from "./stacks.js";

export interface DeployReconciler {
  start(): Promise<void>;
  /** Stops ticking, waits for the step in progress, and gives up the lock. */
  stop(): Promise<void>;
  /** One pass now (tests); resolves when it is done. Does nothing on a node that is not the leader. */
  tick(): Promise<void>;
}

export interface ReconcilerOptions {
  everyMs?: number;
}

/** Any fixed 64-bit number, the same on every node: the lock that elects the reconciling node. */
const LEADER_LOCK_KEY = "7320845180371620421";

export function createDeployReconciler(deps: DeployDeps, options: ReconcilerOptions = {}): DeployReconciler {
  const everyMs = options.everyMs ?? 1000;
  const log = deps.log.child({ component: "deploy" });
  const stepDeps: DeployDeps = { ...deps, log };
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let leader: pg.PoolClient | null = null;
  let stopped = false;

  async function holdLeadership(): Promise<boolean> {
    if (leader) return true;
    const client = await deps.pool.connect();
    try {
      const { rows } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1::bigint) AS ok", [
        LEADER_LOCK_KEY,
      ]);
      if (!rows[0]?.ok) {
        client.release();
        return false;
      }
    } catch (err) {
      client.release(err as Error);
      throw err;
    }
    // A broken connection has lost the lock with it: let go, and try again next tick.
    client.on("error", (err) => {
      if (leader !== client) return;
      log.warn({ err }, "the deploy reconciler lost its database connection");
      leader = null;
      client.release(err);
    });
    leader = client;
    log.info("this node reconciles deployments");
    return true;
  }

  async function pass(): Promise<void> {
    if (!(await holdLeadership())) return;
    const deployments = await deps.prisma.deployment.findMany({
      where: { state: { in: [...ACTIVE_DEPLOYMENT_STATES] } },
      select: { id: true },
      orderBy: { updatedAt: "asc" },
    });
    for (const { id } of deployments) {
      if (stopped) return;
      // One deployment's trouble (a database hiccup) must not hold up the others; it is retried next tick.
      await reconcileDeployment(stepDeps, id).catch((err: unknown) =>
        log.error({ err, deploymentId: id }, "deployment step failed"),
      );
    }
    const stacks = await deps.prisma.stack.findMany({
      where: { state: { in: ["deploying", "removing"] } },
      select: { id: true },
    });
    for (const { id } of stacks) {
      await reconcileStack(stepDeps, id).catch((err: unknown) => log.error({ err, stackId: id }, "stack step failed"));
    }
  }

  function tick(): Promise<void> {
    running ??= pass()
      .catch((err: unknown) => log.error({ err }, "deploy reconciler pass failed"))
      .finally(() => {
        running = null;
      });
    return running;
  }

  return {
    async start() {
      stopped = false;
      timer = setInterval(() => void tick(), everyMs);
      timer.unref();
      void tick();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      timer = null;
      await running;
      const client = leader;
      leader = null;
      if (client) {
        await client.query("SELECT pg_advisory_unlock($1::bigint)", [LEADER_LOCK_KEY]).catch(() => {});
        client.release();
      }
    },
    tick,
  };
}
