/**
 * What pg-boss recorded of background jobs in a test database, read straight from its tables so
 * a test can count how often a job was sent and run across server nodes.
 */
import type pg from "pg";
import { waitFor } from "./wait-for.js";

/**
 * pg-boss's internal queue between a cron schedule and its jobs: the node whose cron check is due
 * files each due minute of a schedule here (a singleton per schedule and minute), and a worker
 * turns it into the schedule's job.
 */
export const SEND_IT_QUEUE = "__pgboss__send-it";

export interface BossJob {
  queue: string;
  state: "created" | "retry" | "active" | "completed" | "cancelled" | "failed";
  retries: number;
  startedOn: Date | null;
  singletonKey: string | null;
  singletonOn: string | null;
  /** Send-it jobs only: the schedule's queue and key, and the minute (UTC) this job stands for. */
  target: string | null;
  scheduleKey: string | null;
  slot: string | null;
}

export async function bossJobs(pool: pg.Pool, queues: readonly string[]): Promise<BossJob[]> {
  const { rows } = await pool.query<BossJob>(
    `SELECT name AS queue, state::text AS state, retry_count AS retries, started_on AS "startedOn",
            singleton_key AS "singletonKey", singleton_on::text AS "singletonOn",
            data->>'name' AS target, data->>'key' AS "scheduleKey", data->>'slot' AS slot
       FROM pgboss.job WHERE name = ANY($1::text[]) ORDER BY created_on`,
    [queues],
  );
  return rows;
}

export async function bossSchedules(pool: pg.Pool): Promise<Array<{ name: string; key: string }>> {
  const { rows } = await pool.query<{ name: string; key: string }>(
    "SELECT name, key FROM pgboss.schedule ORDER BY name, key",
  );
  return rows;
}

/** How many items share each key. */
export function countBy<T>(items: readonly T[], keyOf: (item: T) => string | null): Map<string | null, number> {
  const counts = new Map<string | null, number>();
  for (const item of items) counts.set(keyOf(item), (counts.get(keyOf(item)) ?? 0) + 1);
  return counts;
}

/** A job a SIGKILLed node was running when it died: it stays active until pg-boss expires it. */
export function diedHolding(job: BossJob, killedAt: Date | null): boolean {
  return job.state === "active" && killedAt !== null && job.startedOn !== null && job.startedOn < killedAt;
}

/**
 * The queues' jobs once every one of them has run (but for those a killed node died running):
 * by then every due minute a cron check filed has become its job.
 */
export async function settledBossJobs(pool: pg.Pool, queues: readonly string[], killedAt: Date | null) {
  let jobs: BossJob[] = [];
  await waitFor(
    async () => {
      jobs = await bossJobs(pool, queues);
      return jobs.every((j) => j.state === "completed" || j.state === "failed" || diedHolding(j, killedAt));
    },
    15_000,
    () => describeBossJobs(jobs),
  );
  return jobs;
}

/** One line per job, for assertion messages. */
export function describeBossJobs(jobs: readonly BossJob[]): string {
  const lines = jobs.map((j) => [j.queue, j.state, j.target, j.slot ?? j.singletonOn].filter(Boolean).join(" "));
  return `pg-boss jobs:\n${lines.join("\n")}`;
}
