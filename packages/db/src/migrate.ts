// Applies prisma/migrations/*/migration.sql to a database, recording them exactly as Prisma does.
//
// Why this exists: Prisma 7's `migrate` runs a native schema engine that it downloads from
// Prisma's own binaries host; no npm or Debian package ships it, and our build and CI machines
// reach only the npm registry. Applying finished SQL files needs no engine, so we do it here and
// write the same `_prisma_migrations` rows (checksum = sha256 of the file), which means that on a
// machine with normal network access `prisma migrate deploy` / `status` see these as applied.
// Migrations are still authored in Prisma's folder format (see prisma/migrations).
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

export const defaultMigrationsDir = fileURLToPath(new URL("../prisma/migrations", import.meta.url));

/** The key Prisma's own schema engine locks, so this runner and the Prisma CLI also exclude each other. */
const MIGRATION_LOCK_KEY = 72707369;

// The table as Prisma's schema engine creates it for PostgreSQL.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export type MigrationLog = (message: string) => void;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  /** Names applied by this call, in order. */
  applied: string[];
  /** How many were already applied before this call. */
  alreadyApplied: number;
}

/** An applied migration's file no longer matches what was applied; the database needs a human. */
export class MigrationChecksumError extends Error {
  constructor(readonly migrationName: string) {
    super(
      `Migration ${migrationName} was changed after it was applied (checksum differs from _prisma_migrations). ` +
        "Restore the original file and put the change in a new migration.",
    );
    this.name = "MigrationChecksumError";
  }
}

export function checksumOf(sql: string): string {
  return createHash("sha256").update(sql, "utf8").digest("hex");
}

/** Migration folders in name (= timestamp) order; a folder without migration.sql is skipped. */
export async function readMigrations(dir: string = defaultMigrationsDir): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const sql = await readFile(join(dir, name, "migration.sql"), "utf8").catch(() => null);
    if (sql !== null) files.push({ name, sql, checksum: checksumOf(sql) });
  }
  return files;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/**
 * Applies every pending migration, each in its own transaction together with its
 * `_prisma_migrations` row, under an advisory lock so that server nodes starting together apply
 * each migration once. Throws MigrationChecksumError if an applied file was edited.
 */
export async function applyMigrations(
  databaseUrl: string,
  log: MigrationLog = () => {},
  migrationsDir: string = defaultMigrationsDir,
): Promise<MigrationResult> {
  const migrations = await readMigrations(migrationsDir);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Session-level lock: held across the per-migration transactions below.
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      // Read only after taking the lock, so a node that waited sees what the winner applied.
      const { rows } = await client.query<AppliedRow>(
        `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
      );
      const applied = checkHistory(rows, migrations, log);
      const pending = migrations.filter((m) => !applied.has(m.name));
      for (const migration of pending) await applyOne(client, migration, log);
      return { applied: pending.map((m) => m.name), alreadyApplied: applied.size };
    } finally {
      // If the connection is broken the lock died with the session; keep the original error.
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    }
  } finally {
    await client.end();
  }
}

/** Returns the names already applied; throws when history and files disagree in a way that needs a human. */
function checkHistory(rows: AppliedRow[], migrations: MigrationFile[], log: MigrationLog): Set<string> {
  const files = new Map(migrations.map((m) => [m.name, m]));
  const applied = new Set<string>();
  for (const row of rows) {
    if (row.rolled_back_at !== null) continue; // `prisma migrate resolve --rolled-back`: apply again
    if (row.finished_at === null) {
      // Only the Prisma CLI leaves such rows (this runner rolls back and records nothing).
      throw new Error(
        `Migration ${row.migration_name} failed part-way in an earlier run (finished_at is empty). ` +
          "Repair the database, then mark it with `prisma migrate resolve`.",
      );
    }
    const file = files.get(row.migration_name);
    if (!file) {
      log(`warning: applied migration ${row.migration_name} has no folder in prisma/migrations`);
    } else if (!checksumMatches(file, row.checksum)) {
      throw new MigrationChecksumError(row.migration_name);
    }
    applied.add(row.migration_name);
  }
  return applied;
}

// Like Prisma, accept a file whose only change is its line endings (git on Windows converts them).
function checksumMatches(file: MigrationFile, recorded: string): boolean {
  return (
    file.checksum === recorded ||
    checksumOf(file.sql.replaceAll("\r\n", "\n")) === recorded ||
    checksumOf(file.sql.replaceAll("\n", "\r\n")) === recorded
  );
}

async function applyOne(client: pg.Client, migration: MigrationFile, log: MigrationLog): Promise<void> {
  const started = Date.now();
  await client.query("BEGIN");
  try {
    // No parameters: pg uses the simple query protocol, which runs a multi-statement script.
    await client.query(migration.sql);
    // Database clock for both times: now() is when this transaction began, clock_timestamp() is now.
    await client.query(
      `INSERT INTO "_prisma_migrations"
         (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
       VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, now(), 1)`,
      [randomUUID(), migration.checksum, migration.name],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`Migration ${migration.name} failed and was rolled back: ${detail}`, { cause: error });
  }
  log(`applied migration ${migration.name} in ${Date.now() - started} ms`);
}
