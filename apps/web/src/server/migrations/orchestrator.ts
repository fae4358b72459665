/**
 * Runs migrations (live and cold): woken by NOTIFY when one is requested or cancelled, and every few
 * seconds it resumes any unfinished migration this node is not running (after a restart, or one
 * whose notification was lost). The state lives in the Migration rows, never only here.
 * Cancels are picked up by the running migration itself (it polls its row).
 */
import { createPgListener } from "../commands/pg-listener.js";
import type { Logger } from "../logger.js";
import type { Services } from "../services.js";
import { ACTIVE_MIGRATION_STATES, MIGRATIONS_CHANNEL } from "./migration-view.js";
import { runColdMigration } from "./run-cold-migration.js";
import { runMigration } from "./run-migration.js";

export interface MigrationOrchestrator {
  start(): Promise<void>;
  /** Stops taking migrations and waits for the running ones to pause (a restart resumes them). */
  stop(): Promise<void>;
}

export interface OrchestratorOptions extends Pick<Services, "prisma" | "live"> {
  databaseUrl: string;
  log: Logger;
  resumeEveryMs?: number;
}

export function createMigrationOrchestrator(options: OrchestratorOptions): MigrationOrchestrator {
  const { prisma, live } = options;
  const log = options.log.child({ component: "migrations" });
  const running = new Map<string, Promise<void>>();
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;

  function run(id: string): void {
    if (stopped || running.has(id)) return;
    const deps = { prisma, live, log, stopping: () => stopped };
    // Live (VMs) and cold (containers) runs share the row, the lease and this loop.
    const work = prisma.migration
      .findUniqueOrThrow({ where: { id }, select: { kind: true } })
      .then(({ kind }) => (kind === "cold" ? runColdMigration(deps, id) : runMigration(deps, id)))
      .catch((err: unknown) => log.error({ err, migrationId: id }, "migration run failed; it will be resumed"))
      .finally(() => running.delete(id));
    running.set(id, work);
  }

  async function resume(): Promise<void> {
    const rows = await prisma.migration.findMany({
      where: { state: { in: [...ACTIVE_MIGRATION_STATES] } },
      select: { id: true },
      orderBy: { apiCalledAt: "asc" },
    });
    for (const { id } of rows) run(id);
  }

  const listener = createPgListener({
    databaseUrl: options.databaseUrl,
    channel: MIGRATIONS_CHANNEL,
    log,
    onNotification: (id) => run(id),
    onConnected: () => void resume().catch((err: unknown) => log.error({ err }, "resuming migrations failed")),
  });

  return {
    async start() {
      stopped = false;
      await listener.start();
      timer = setInterval(
        () => void resume().catch((err: unknown) => log.error({ err }, "resuming migrations failed")),
        options.resumeEveryMs ?? 5_000,
      );
      timer.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await listener.stop();
      await Promise.all(running.values());
    },
  };
}
