// Daily partitions of `samples` and of its 1-minute rollup `samples_1m` (UTC days, named
// <table>_pYYYYMMDD): created a few days ahead by a background job, and dropped whole for
// retention, which costs nothing compared with DELETE.
import type pg from "pg";

const DAY_MS = 86_400_000;
/** The tables partitioned by day: a fixed list, because names are inlined into DDL. */
export type PartitionedSampleTable = "samples" | "samples_1m";
/** Serialises partition maintenance when several server nodes run the job at the same time. */
export const PARTITION_LOCK_KEY = 72707370;

export interface EnsurePartitionsOptions {
  /** Future days to prepare beyond today (UTC). */
  daysAhead?: number;
  /** Past days to create if missing, for backlogs an agent resends after an outage. */
  daysBehind?: number;
  now?: Date;
  /** Which partitioned table; default `samples`. */
  table?: PartitionedSampleTable;
}

export function samplePartitionName(day: Date, table: PartitionedSampleTable = "samples"): string {
  return `${table}_p${day.toISOString().slice(0, 10).replaceAll("-", "")}`;
}

function partitionDay(name: string, table: PartitionedSampleTable): number | null {
  const m = new RegExp(`^${table}_p(\\d{4})(\\d{2})(\\d{2})$`).exec(name);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : null;
}

function startOfUtcDay(date: Date): Date {
  return new Date(Math.floor(date.getTime() / DAY_MS) * DAY_MS);
}

/** Creates the missing daily partitions from `daysBehind` before today to `daysAhead` after it; returns their names. */
export async function ensureSamplePartitions(pool: pg.Pool, options: EnsurePartitionsOptions = {}): Promise<string[]> {
  const { daysAhead = 3, daysBehind = 1, now = new Date(), table = "samples" } = options;
  const today = startOfUtcDay(now).getTime();
  const created: string[] = [];
  for (let d = -daysBehind; d <= daysAhead; d++) {
    const from = new Date(today + d * DAY_MS);
    if (await createPartition(pool, from, table)) created.push(samplePartitionName(from, table));
  }
  return created;
}

/**
 * CREATE TABLE ... PARTITION OF would lock the whole `samples` table (ACCESS EXCLUSIVE) and
 * fails if the default partition already holds rows for that day. Instead: build the table,
 * move that day's rows out of the default partition, and ATTACH, which only takes SHARE UPDATE
 * EXCLUSIVE on `samples`, so inserts and chart reads carry on meanwhile.
 */
async function createPartition(pool: pg.Pool, from: Date, table: PartitionedSampleTable): Promise<boolean> {
  const name = samplePartitionName(from, table);
  const to = new Date(from.getTime() + DAY_MS);
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    // Never queue for minutes behind a long query while blocking everyone queued behind us.
    await client.query("SET LOCAL lock_timeout = '5s'");
    await client.query("SELECT pg_advisory_xact_lock($1)", [PARTITION_LOCK_KEY]);
    const { rows } = await client.query<{ exists: boolean }>("SELECT to_regclass($1) IS NOT NULL AS exists", [name]);
    if (rows[0]?.exists) {
      await client.query("ROLLBACK");
      return false;
    }
    // Names and bounds come from our own Date formatting, never from input, so inlining is safe.
    await client.query(`CREATE TABLE "${name}" (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
    await client.query(
      `WITH moved AS (DELETE FROM ${table}_default WHERE ts >= $1 AND ts < $2 RETURNING *)
       INSERT INTO "${name}" SELECT * FROM moved`,
      [from, to],
    );
    await client.query(
      `ALTER TABLE ${table} ATTACH PARTITION "${name}" FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`,
    );
    await client.query("COMMIT");
    return true;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Drops every daily partition that ends at or before the start of (today - days), and deletes
 * equally old rows from the default partition. Returns the dropped partitions' names.
 */
export async function dropSamplePartitionsOlderThan(
  pool: pg.Pool,
  days: number,
  now = new Date(),
  table: PartitionedSampleTable = "samples",
): Promise<string[]> {
  const cutoff = startOfUtcDay(now).getTime() - days * DAY_MS;
  const { rows } = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = $1::regclass`,
    [table],
  );
  const expired = rows
    .map((r) => r.name)
    .filter((name) => {
      const day = partitionDay(name, table);
      return day !== null && day + DAY_MS <= cutoff;
    })
    .sort();
  const client = await pool.connect();
  try {
    for (const name of expired) {
      await client.query("BEGIN");
      await client.query("SET LOCAL lock_timeout = '5s'");
      await client.query(`DROP TABLE IF EXISTS "${name}"`);
      await client.query("COMMIT");
    }
    await client.query(`DELETE FROM ${table}_default WHERE ts < $1`, [new Date(cutoff)]);
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  return expired;
}
