/**
 * Runs migrations (live and cold) and host evacuations: woken by NOTIFY when one is requested or
 * cancelled, and every few seconds it resumes any unfinished one no node is running (after a
 * restart, a crash, or a lost notification). The state lives in the rows, never only here.
 * Several server nodes share the database: each run is claimed first (work-claims.ts), so exactly
 * one node works on a given migration or evacuation; a node that dies loses its claims and
 * another takes over. Cancels are picked up by the running migration itself (it polls its row).
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { createPgListener } from "../commands/pg-listener.js";
import type { Logger } from "../logger.js";
import { ACTIVE_EVACUATION_STATES } from "../maintenance/evacuation-view.js";
import { EVACUATION_PREFIX, runEvacuation } from "../maintenance/run-evacuation.js";
import type { Services } from "../services.js";
import { ACTIVE_MIGRATION_STATES, MIGRATIONS_CHANNEL } from "./migration-view.js";
import { runColdMigration } from "./run-cold-migration.js";
import { type RunDeps, runMigration } from "./run-migration.js";
import { type ClaimKind, createWorkClaims } from "./work-claims.js";

export interface MigrationOrchestrator {
  start(): Promise<void>;
  /** Stops taking work and waits for the running ones to pause (a restart resumes them). */
  stop(): Promise<void>;
}

export interface OrchestratorOptions extends Pick<Services, "prisma" | "live"> {
  databaseUrl: string;
  log: Logger;
  resumeEveryMs?: number;
}

/** An evacuation still "planning" this long after it was asked for lost its server mid-plan. */
const PLANNING_ABANDONED_MS = 2 * 60_000;

export function createMigrationOrchestrator(options: OrchestratorOptions): MigrationOrchestrator {
  const { prisma, live } = options;
  const log = options.log.child({ component: "migrations" });
  const claims = createWorkClaims(options.databaseUrl, log, `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`);
  const running = new Map<string, Promise<void>>();
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;

  /** Runs one piece of work if this node can claim it; the claim ends with the run. */
  function run(kind: ClaimKind, id: string): void {
    const key = `${kind}:${id}`;
    if (stopped || running.has(key)) return;
    const work = (async () => {
      if (!(await claims.tryClaim(kind, id))) return; // another node runs it
      const generation = claims.generation;
      // A lost claims connection means another node may take this over: stop here at once.
      const deps: RunDeps = { prisma, live, log, stopping: () => stopped || claims.generation !== generation };
      try {
        if (kind === "evacuation") return await runEvacuation(deps, id);
        // Claimed after another node finished it: nothing to do.
        const row = await prisma.migration.findUniqueOrThrow({ where: { id }, select: { kind: true, state: true } });
        if (!(ACTIVE_MIGRATION_STATES as readonly string[]).includes(row.state)) return;
        // Live (VMs) and cold (containers) runs share the row, the lease and this loop.
        await (row.kind === "cold" ? runColdMigration(deps, id) : runMigration(deps, id));
      } finally {
        await claims.release(kind, id).catch((err: unknown) => log.warn({ err, id }, "releasing a claim failed"));
      }
    })()
      .catch((err: unknown) => log.error({ err, kind, id }, "run failed; it will be resumed"))
      .finally(() => running.delete(key));
    running.set(key, work);
  }

  async function resume(): Promise<void> {
    const migrations = await prisma.migration.findMany({
      where: { state: { in: [...ACTIVE_MIGRATION_STATES] } },
      select: { id: true },
      orderBy: { apiCalledAt: "asc" },
    });
    for (const { id } of migrations) run("migration", id);
    const evacuations = await prisma.evacuation.findMany({
      where: { state: { in: [...ACTIVE_EVACUATION_STATES] } },
      select: { id: true, state: true, createdAt: true },
      orderBy: { createdAt: "asc" },
    });
    for (const e of evacuations) {
      if (e.state === "running") run("evacuation", e.id);
      else if (Date.now() - e.createdAt.getTime() > PLANNING_ABANDONED_MS) await abandonPlanning(e.id);
    }
  }

  /** Its planning server stopped before any move was planned: say so, so the host can be evacuated again. */
  async function abandonPlanning(id: string): Promise<void> {
    const { count } = await prisma.evacuation.updateMany({
      where: { id, state: "planning" },
      data: {
        state: "failed",
        error: "the server stopped while planning this evacuation; nothing moved. Evacuate the host again.",
        finishedAt: new Date(),
      },
    });
    if (count) log.warn({ evacuationId: id }, "an evacuation was left in planning; marked failed");
  }

  const resumeLogged = () => void resume().catch((err: unknown) => log.error({ err }, "resuming work failed"));
  const listener = createPgListener({
    databaseUrl: options.databaseUrl,
    channel: MIGRATIONS_CHANNEL,
    log,
    onNotification: (payload) =>
      payload.startsWith(EVACUATION_PREFIX)
        ? run("evacuation", payload.slice(EVACUATION_PREFIX.length))
        : run("migration", payload),
    onConnected: resumeLogged,
  });

  return {
    async start() {
      stopped = false;
      await listener.start();
      timer = setInterval(resumeLogged, options.resumeEveryMs ?? 5_000);
      timer.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await listener.stop();
      await Promise.all(running.values());
      await claims.stop();
    },
  };
}
