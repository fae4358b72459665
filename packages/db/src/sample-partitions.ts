// Daily partitions of `samples` (UTC days, named samples_pYYYYMMDD): created a few days ahead by
// a background job, and dropped whole for retention, which costs nothing compared with DELETE.
import type pg from "pg";

const DAY_MS = 86_400_000;
const PARTITION_NAME = /^samples_p(\d{4})(\d{2})(\d{2})$/;
/** Serialises partition maintenance when several server nodes run the job at the same time. */
const PARTITION_LOCK_KEY = 72707370;

export interface EnsurePartitionsOptions {
  /** Future days to prepare beyond today (UTC). */
  daysAhead?: number;
  /** Past days to create if missing, for backlogs an agent resends after an outage. */
  daysBehind?: number;
  now?: Date;
}

export function samplePartitionName(day: Date): string {
  return `samples_p${day.toISOString().slice(0, 10).replaceAll("-", "")}`;
}

function startOfUtcDay(date: Date): Date {
  return new Date(Math.floor(date.getTime() / DAY_MS) * DAY_MS);
}

/** Creates the missing daily partitions from `daysBehind` before today to `daysAhead` after it; returns their names. */
export async function ensureSamplePartitions(pool: pg.Pool, options: EnsurePartitionsOptions = {}): Promise<string[]> {
  const { daysAhead = 3, daysBehind = 1, now = new Date() } = options;
  const today = startOfUtcDay(now).getTime();
  const created: string[] = [];
  for (let d = -daysBehind; d <= daysAhead; d++) {
    const from = new Date(today + d * DAY_MS);
    if (await createPartition(pool, from)) created.push(samplePartitionName(from));
  }
  return created;
}

/**
 * CREATE TABLE ... PARTITION OF would lock the whole `samples` table (ACCESS EXCLUSIVE) and
 * fails if the default partition already holds rows for that day. Instead: build the table,
 * move that day's rows out of the default partition, and ATTACH, which only takes SHARE UPDATE
 * EXCLUSIVE on `samples`, so inserts and chart reads carry on meanwhile.
 */
async function createPartition(pool: pg.Pool, from: Date): Promise<boolean> {
  const name = samplePartitionName(from);
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
    await client.query(`CREATE TABLE "${name}" (LIKE samples INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
    await client.query(
      `WITH moved AS (DELETE FROM samples_default WHERE ts >= $1 AND ts < $2 RETURNING *)
       INSERT INTO "${name}" SELECT * FROM moved`,
      [from, to],
    );
    await client.query(
      `ALTER TABLE samples ATTACH PARTITION "${name}" FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`,
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
export async function dropSamplePartitionsOlderThan(pool: pg.Pool, days: number, now = new Date()): Promise<string[]> {
  const cutoff = startOfUtcDay(now).getTime() - days * DAY_MS;
  const { rows } = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'samples'::regclass`,
  );
  const expired = rows
    .map((r) => r.name)
    .filter((name) => {
      const m = PARTITION_NAME.exec(name);
      return m !== null && Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + DAY_MS <= cutoff;
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
    await client.query("DELETE FROM samples_default WHERE ts < $1", [new Date(cutoff)]);
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  return expired;
}
