/** What one agent stored in PostgreSQL: its sample rows and batches, read by agent id. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type pg from "pg";

/** The last seq the agent handed out, from `<stateDir>/seq` (0 before its first batch). */
export function readAgentSeq(stateDir: string): number {
  try {
    return Number(readFileSync(join(stateDir, "seq"), "utf8").trim()) || 0;
  } catch {
    return 0;
  }
}

/** The largest batch stored so far: host row + one row per workload once the agent sees them all. */
export async function largestBatch(pool: pg.Pool, agentId: string): Promise<number> {
  const { rows } = await pool.query<{ n: number | null }>(
    `SELECT max(n)::int AS n FROM (SELECT count(*) AS n FROM samples WHERE agent_id = $1 GROUP BY seq) b`,
    [agentId],
  );
  return rows[0]?.n ?? 0;
}

/** The highest seq the server committed for the agent. */
export async function storedSeq(pool: pg.Pool, agentId: string): Promise<number> {
  const { rows } = await pool.query<{ seq: string | null }>(
    `SELECT max(seq) AS seq FROM metric_batches WHERE agent_id = $1`,
    [agentId],
  );
  return Number(rows[0]?.seq ?? 0);
}

const VALUE_COLUMNS = [
  "cpu_cores",
  "cpu_ratio",
  "mem_used_bytes",
  "mem_total_bytes",
  "net_rx_bps",
  "net_tx_bps",
  "disk_read_bps",
  "disk_write_bps",
  "load1",
];

/**
 * Rows and batches whose tick time falls in [from, to), and the metric values they hold (a row
 * carries several; a Prometheus sample is one value).
 */
export async function samplesBetween(pool: pg.Pool, agentId: string, from: number, to: number) {
  const values = VALUE_COLUMNS.map((c) => `count(${c})`).join(" + ");
  const { rows } = await pool.query<{ rows: number; batches: number; hostRows: number; values: number }>(
    `SELECT count(*)::int AS rows, count(DISTINCT seq)::int AS batches,
            count(*) FILTER (WHERE workload_id IS NULL)::int AS "hostRows", (${values})::int AS values
       FROM samples WHERE agent_id = $1 AND ts >= $2 AND ts < $3`,
    [agentId, new Date(from), new Date(to)],
  );
  return rows[0] ?? { rows: 0, batches: 0, hostRows: 0, values: 0 };
}

/** Over the agent's whole run: rows stored versus what its committed batches said they held. */
export async function wholeRun(pool: pg.Pool, agentId: string) {
  const { rows } = await pool.query<{ rows: number; batches: number; declared: number; maxSeq: string | null }>(
    `SELECT (SELECT count(*)::int FROM samples WHERE agent_id = $1) AS rows,
            count(*)::int AS batches, coalesce(sum(sample_count), 0)::int AS declared, max(seq) AS "maxSeq"
       FROM metric_batches WHERE agent_id = $1`,
    [agentId],
  );
  const r = rows[0];
  return {
    rows: r?.rows ?? 0,
    batches: r?.batches ?? 0,
    declaredRows: r?.declared ?? 0,
    maxSeq: Number(r?.maxSeq ?? 0),
  };
}
