/**
 * The Postgres-backed job queue (pg-boss) every background job goes through: durable across
 * restarts, each job taken by exactly one server node, retries with backoff, cron schedules that
 * fire once per fleet. Features register their queues and workers with `define` before start.
 *
 * Kept in its own schema (`pgboss`) so Prisma's migrations never see its tables.
 */
import { PgBoss, type SendOptions, type WorkHandler, type WorkOptions } from "pg-boss";
import type { Logger } from "../logger.js";

export interface JobDefinition<T extends object> {
  name: string;
  /** Called with a batch (pg-boss hands jobs over in arrays; batchSize defaults to 1). */
  handler: WorkHandler<T>;
  work?: WorkOptions;
  /** Retries and backoff for jobs sent to this queue. */
  retryLimit?: number;
  retryDelaySeconds?: number;
  retryBackoff?: boolean;
  retryDelayMaxSeconds?: number;
  /** How long a job may run before it is failed and retried (pg-boss default 15 min). */
  expireInSeconds?: number;
  /** Cron expression (UTC): the job is sent once per tick across all nodes. */
  cron?: string;
}

export interface JobQueue {
  define<T extends object>(definition: JobDefinition<T>): void;
  send<T extends object>(name: string, data: T, options?: SendOptions): Promise<string | null>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The underlying pg-boss, for tests and the few features that need more than send. */
  readonly boss: PgBoss;
}

export interface JobQueueOptions {
  /**
   * How often this node checks the cron schedules (pg-boss default 30 s). Whichever node checks,
   * a due minute gets one job: the check is claimed in the database and the job it sends is a
   * singleton per schedule and minute.
   */
  cronCheckSeconds?: number;
}

export function createJobQueue(databaseUrl: string, log: Logger, options: JobQueueOptions = {}): JobQueue {
  const cronCheckSeconds = options.cronCheckSeconds ?? 30;
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: "pgboss",
    max: 4,
    cronMonitorIntervalSeconds: cronCheckSeconds,
    // The worker that turns a due minute into its job polls every 5 s by default: never slower
    // than the checks that feed it.
    cronWorkerIntervalSeconds: Math.min(5, cronCheckSeconds),
  });
  const definitions: JobDefinition<object>[] = [];
  let started = false;
  boss.on("error", (err) => log.error({ err }, "job queue error"));

  return {
    boss,
    define(definition) {
      if (started) throw new Error(`job ${definition.name} defined after the queue started`);
      definitions.push(definition as unknown as JobDefinition<object>);
    },
    send(name, data, options) {
      return options ? boss.send(name, data, options) : boss.send(name, data);
    },
    async start() {
      await boss.start();
      for (const d of definitions) {
        const options = {
          retryLimit: d.retryLimit ?? 2,
          retryDelay: d.retryDelaySeconds ?? 5,
          retryBackoff: d.retryBackoff ?? true,
          ...(d.retryDelayMaxSeconds ? { retryDelayMax: d.retryDelayMaxSeconds } : {}),
          ...(d.expireInSeconds ? { expireInSeconds: d.expireInSeconds } : {}),
        };
        // createQueue keeps an existing queue's options, so settings changed since it was made
        // (e.g. webhook retries) are applied with updateQueue.
        if (await boss.getQueue(d.name)) await boss.updateQueue(d.name, options);
        else await boss.createQueue(d.name, options);
        await boss.work(d.name, d.work ?? {}, d.handler);
        if (d.cron) await boss.schedule(d.name, d.cron, {}, { tz: "UTC" });
      }
      started = true;
      log.debug({ queues: definitions.map((d) => d.name) }, "job queue started");
    },
    async stop() {
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}
