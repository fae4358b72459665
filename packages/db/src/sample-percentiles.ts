// Per-workload percentiles over `samples`, for the consolidation planner's demand figures: one
// query for the whole fleet, so building a plan's input costs one round trip however many
// workloads there are. The time bound lets PostgreSQL skip every partition outside the window.
import type pg from "pg";

export interface WorkloadRef {
  hostId: string;
  /** The driver's id (Workload.externalId), as samples store it. */
  externalId: string;
}

export interface PercentileQuery {
  workloads: readonly WorkloadRef[];
  /** Of cpu_cores: 0 < percentile <= 100, e.g. 95. */
  percentile: number;
  /** Of mem_used_bytes; default 95. */
  memoryPercentile?: number;
  /** ms since the epoch, inclusive. */
  from: number;
  /** ms since the epoch, exclusive. */
  to: number;
}

export interface WorkloadPercentiles extends WorkloadRef {
  /** null when the workload has no cpu samples in the window. */
  cpuCores: number | null;
  memUsedBytes: number | null;
  samples: number;
}

// Joining on (host_id, workload_id) pairs, not workload_id alone: after a migration the same
// driver id has samples on two hosts, and only the current host's reflect its placement there.
// percentile_cont ignores NULL cells, so a row missing one metric does not skew the other.
const PERCENTILES_SQL = `
WITH refs AS (SELECT * FROM unnest($1::text[], $2::text[]) AS r(host_id, workload_id))
SELECT r.host_id AS "hostId", r.workload_id AS "externalId",
  percentile_cont($3::float8) WITHIN GROUP (ORDER BY s.cpu_cores)::float8 AS "cpuCores",
  percentile_cont($6::float8) WITHIN GROUP (ORDER BY s.mem_used_bytes)::float8 AS "memUsedBytes",
  count(s.ts)::int AS samples
FROM refs r
LEFT JOIN samples s ON s.host_id = r.host_id AND s.workload_id = r.workload_id
  AND s.ts >= to_timestamp($4 / 1000.0) AND s.ts < to_timestamp($5 / 1000.0)
GROUP BY r.host_id, r.workload_id`;

/** The chosen percentiles of cpu_cores and mem_used_bytes of each workload over [from, to). */
export async function workloadPercentiles(pool: pg.Pool, query: PercentileQuery): Promise<WorkloadPercentiles[]> {
  const memoryPercentile = query.memoryPercentile ?? 95;
  for (const p of [query.percentile, memoryPercentile])
    if (!(p > 0 && p <= 100)) throw new RangeError("percentiles must be in (0, 100]");
  if (!(query.to > query.from)) throw new RangeError("percentiles need to > from");
  if (query.workloads.length === 0) return [];
  const { rows } = await pool.query<WorkloadPercentiles>(PERCENTILES_SQL, [
    query.workloads.map((w) => w.hostId),
    query.workloads.map((w) => w.externalId),
    query.percentile / 100,
    query.from,
    query.to,
    memoryPercentile / 100,
  ]);
  return rows;
}
