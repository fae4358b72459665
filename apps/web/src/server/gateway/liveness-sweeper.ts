/**
 * Background upkeep for the gateway: marks silent hosts offline (and tells browsers), and makes
 * sure at start that today's samples partitions exist. Later days are the hourly
 * metrics-retention job's (one node runs it), so no node keeps its own timer for them.
 */
import { ensureSamplePartitions } from "@flotilla/db";
import { markSilentHostsOffline } from "../fleet/host-liveness.js";
import type { Services } from "../services.js";

const SWEEP_EVERY_MS = 5_000;
const PARTITION_DAYS_AHEAD = 3;

export interface LivenessSweeper {
  /**
   * Makes the coming days' partitions before resolving, so the first inserts have one. Never
   * fatal: another node may hold the partitions lock longer than the wait (moving a backlog out
   * of the default partition), and rows that arrive meanwhile land in the default partition.
   */
  start(): Promise<void>;
  stop(): Promise<void>;
  sweepOnce(): Promise<number>;
}

export function createLivenessSweeper(
  deps: Pick<Services, "prisma" | "pool" | "live" | "log">,
  options: {
    offlineAfterIntervals: number;
    sweepEveryMs?: number;
    /** Told which hosts just went offline (the gateway un-throttles their connections). */
    onOffline?: (hostIds: string[]) => void;
  },
): LivenessSweeper {
  const log = deps.log.child({ component: "sweeper" });
  const timers: NodeJS.Timeout[] = [];
  let running: Promise<unknown> = Promise.resolve();

  async function sweepOnce(): Promise<number> {
    const changed = await markSilentHostsOffline(deps.prisma, options.offlineAfterIntervals);
    for (const { orgId, event } of changed) deps.live.hostStatus(orgId, event);
    if (changed.length > 0) options.onOffline?.(changed.map((c) => c.event.hostId));
    if (changed.length > 0) log.info({ hosts: changed.map((c) => c.event.hostId) }, "hosts went offline");
    return changed.length;
  }

  async function preparePartitions() {
    const created = await ensureSamplePartitions(deps.pool, { daysAhead: PARTITION_DAYS_AHEAD });
    if (created.length > 0) log.info({ created }, "samples partitions created");
  }

  /** Runs one job at a time; a failure is logged and retried at the next tick. */
  function schedule(name: string, job: () => Promise<unknown>) {
    running = running.then(job).catch((err: unknown) => log.error({ err, job: name }, "background job failed"));
    return running;
  }

  return {
    sweepOnce,
    async start() {
      await preparePartitions().catch((err: unknown) =>
        log.warn({ err }, "samples partitions not prepared at start; the hourly retention job makes them"),
      );
      timers.push(setInterval(() => schedule("sweep", sweepOnce), options.sweepEveryMs ?? SWEEP_EVERY_MS));
      for (const t of timers) t.unref();
    },
    async stop() {
      for (const t of timers.splice(0)) clearInterval(t);
      await running;
    },
  };
}
