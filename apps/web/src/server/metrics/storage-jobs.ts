/**
 * The metrics storage tiers' background jobs, on the pg-boss queue so each tick runs on one node
 * only: 1-minute rollups every minute, 1-hour rollups every five minutes, and an hourly upkeep
 * that prepares partitions ahead and applies each tier's retention.
 */
import {
  catchUpRollup,
  dropSamplePartitionsOlderThan,
  ensureSamplePartitions,
  pruneHourlyRollups,
  pruneMetricBatches,
  type RollupTier,
} from "@flotilla/db";
import type { Services } from "../services.js";

export const ROLLUP_1M_JOB = "metrics-rollup-1m";
export const ROLLUP_1H_JOB = "metrics-rollup-1h";
export const RETENTION_JOB = "metrics-retention";
const PARTITION_DAYS_AHEAD = 3;

type Deps = Pick<Services, "pool" | "log" | "config">;

export async function runRollup(deps: Deps, tier: RollupTier, now = new Date()) {
  const result = await catchUpRollup(deps.pool, tier, { now });
  deps.log.debug({ tier, from: result.from, to: result.to, rows: result.rows }, "metrics rolled up");
  return result;
}

/** Partitions ahead for both partitioned tiers, then each tier's retention. */
export async function runRetention(deps: Deps, now = new Date()) {
  const { raw, minute, hour } = deps.config.retentionDays;
  const created = [
    ...(await ensureSamplePartitions(deps.pool, { now, daysAhead: PARTITION_DAYS_AHEAD, table: "samples" })),
    ...(await ensureSamplePartitions(deps.pool, { now, daysAhead: PARTITION_DAYS_AHEAD, table: "samples_1m" })),
  ];
  const dropped = [
    ...(await dropSamplePartitionsOlderThan(deps.pool, raw, now, "samples")),
    ...(await dropSamplePartitionsOlderThan(deps.pool, minute, now, "samples_1m")),
  ];
  const hourlyRows = await pruneHourlyRollups(deps.pool, hour, now);
  // De-duplication rows only matter while their samples exist.
  const batches = await pruneMetricBatches(deps.pool, raw, now);
  if (created.length + dropped.length + hourlyRows > 0) {
    deps.log.info({ created, dropped, hourlyRows, batches }, "metrics retention applied");
  }
  return { created, dropped, hourlyRows, batches };
}

/**
 * Asks for one upkeep run right after start-up (partitions of both tiers exist before the first
 * hourly tick); several nodes starting together send one job between them.
 */
export async function requestStartupUpkeep(deps: Pick<Services, "jobs">) {
  await deps.jobs.send(RETENTION_JOB, {}, { singletonKey: "startup", singletonSeconds: 300 });
}

/** Registers the jobs; call before services.jobs.start(). */
export function defineMetricsStorageJobs(deps: Deps & Pick<Services, "jobs">) {
  const log = deps.log.child({ component: "metrics-storage" });
  const jobDeps = { ...deps, log };
  // A missed tick is harmless: the next run catches up from the tier's mark.
  deps.jobs.define({
    name: ROLLUP_1M_JOB,
    cron: "* * * * *",
    retryLimit: 0,
    expireInSeconds: 600,
    handler: async () => void (await runRollup(jobDeps, "1m")),
  });
  deps.jobs.define({
    name: ROLLUP_1H_JOB,
    cron: "*/5 * * * *",
    retryLimit: 0,
    expireInSeconds: 1800,
    handler: async () => void (await runRollup(jobDeps, "1h")),
  });
  deps.jobs.define({
    name: RETENTION_JOB,
    cron: "17 * * * *",
    retryLimit: 2,
    expireInSeconds: 1800,
    handler: async () => void (await runRetention(jobDeps)),
  });
}
