/**
 * What pg-boss recorded of background jobs in a test database, read straight from its tables so
 * a test can count how often a job was sent and run across server nodes.
 */
import type pg from "pg";

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
