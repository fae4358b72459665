import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyMigrations,
  checksumOf,
  defaultMigrationsDir,
  MigrationChecksumError,
  readMigrations,
} from "./migrate.js";
import { startTestDatabase, type TestDatabase } from "./testing.js";

let db: TestDatabase;
let scratch: string;

beforeAll(async () => {
  db = await startTestDatabase({ migrate: false });
  scratch = await mkdtemp(join(tmpdir(), "flotilla-migrations-"));
}, 60_000);
afterAll(async () => {
  await db?.stop();
  await rm(scratch, { recursive: true, force: true });
});

/** A new empty database on the test server, so each case starts from nothing. */
async function freshDatabase(name: string): Promise<string> {
  await db.pool.query(`CREATE DATABASE ${name}`);
  return db.url.replace(/\/flotilla$/, `/${name}`);
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("applyMigrations", () => {
  it("applies every migration to an empty database, and nothing the second time", async () => {
    const names = (await readMigrations()).map((m) => m.name);
    expect(names.length).toBeGreaterThanOrEqual(2);

    const first = await applyMigrations(db.url);
    expect(first).toEqual({ applied: names, alreadyApplied: 0 });
    const second = await applyMigrations(db.url);
    expect(second).toEqual({ applied: [], alreadyApplied: names.length });

    const tables = await query<{ table_name: string }>(
      db.url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining([
        "_prisma_migrations",
        "hosts",
        "workloads",
        "samples",
        "samples_default",
        "metric_batches",
      ]),
    );
  });

  it("records migrations the way Prisma does (sha256 checksum, finished, one step)", async () => {
    const rows = await query<{ migration_name: string; checksum: string; finished_at: Date | null; steps: number }>(
      db.url,
      `SELECT migration_name, checksum, finished_at, applied_steps_count AS steps FROM _prisma_migrations ORDER BY 1`,
    );
    const files = await readMigrations();
    expect(rows.map((r) => r.migration_name)).toEqual(files.map((f) => f.name));
    for (const [i, row] of rows.entries()) {
      const sql = await readFile(join(defaultMigrationsDir, row.migration_name, "migration.sql"), "utf8");
      expect(row.checksum).toBe(checksumOf(sql));
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.steps).toBe(1);
      expect(files[i]?.checksum).toBe(row.checksum);
    }
  });

  it("refuses to run when an applied migration was edited", async () => {
    const dir = join(scratch, "edited");
    await cp(defaultMigrationsDir, dir, { recursive: true });
    const [first] = await readMigrations(dir);
    if (!first) throw new Error("no migrations");
    await writeFile(join(dir, first.name, "migration.sql"), `${first.sql}\n-- edited\n`);

    await expect(applyMigrations(db.url, () => {}, dir)).rejects.toBeInstanceOf(MigrationChecksumError);
    await expect(applyMigrations(db.url, () => {}, dir)).rejects.toThrow(first.name);
  });

  it("accepts an applied migration whose only change is CRLF line endings, as Prisma does", async () => {
    const dir = join(scratch, "crlf");
    await cp(defaultMigrationsDir, dir, { recursive: true });
    for (const m of await readMigrations(dir)) {
      await writeFile(join(dir, m.name, "migration.sql"), m.sql.replaceAll("\n", "\r\n"));
    }
    expect((await applyMigrations(db.url, () => {}, dir)).applied).toEqual([]);
  });

  it("applies a new migration in order, and rolls a failing one back without recording it", async () => {
    const dir = join(scratch, "extra");
    await cp(defaultMigrationsDir, dir, { recursive: true });
    await mkdir(join(dir, "29990101000000_add_note"));
    await writeFile(
      join(dir, "29990101000000_add_note", "migration.sql"),
      'ALTER TABLE "hosts" ADD COLUMN "note" TEXT;\n',
    );
    await mkdir(join(dir, "29990101000001_broken"));
    await writeFile(
      join(dir, "29990101000001_broken", "migration.sql"),
      "CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;\n",
    );
    const url = await freshDatabase("extra");

    await expect(applyMigrations(url, () => {}, dir)).rejects.toThrow(/29990101000001_broken.*no_such_table/);
    const applied = await query<{ migration_name: string }>(url, "SELECT migration_name FROM _prisma_migrations");
    expect(applied.map((r) => r.migration_name)).toContain("29990101000000_add_note");
    expect(applied.map((r) => r.migration_name)).not.toContain("29990101000001_broken");
    const halfDone = await query<{ t: string | null }>(url, "SELECT to_regclass('half_done')::text AS t");
    expect(halfDone[0]?.t).toBeNull();
    const note = await query(url, "SELECT note FROM hosts LIMIT 0");
    expect(note).toEqual([]);
  });

  it("keeps every migration runnable by Prisma's driver-adapter path, which splits scripts on ';'", async () => {
    // @prisma/adapter-pg's executeScript runs script.split(";") one piece at a time, so a
    // semicolon inside a comment, a string or a function body breaks `prisma migrate deploy` there.
    const url = await freshDatabase("split");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const migration of await readMigrations()) {
        for (const statement of migration.sql.split(";").map((s) => s.trim())) {
          if (statement) await client.query(statement);
        }
      }
    } finally {
      await client.end();
    }
  });

  it("applies each migration once when several nodes start at the same time", async () => {
    const url = await freshDatabase("race");
    const results = await Promise.all([applyMigrations(url), applyMigrations(url), applyMigrations(url)]);
    const names = (await readMigrations()).map((m) => m.name);
    expect(results.flatMap((r) => r.applied).sort()).toEqual([...names].sort());
    const rows = await query<{ n: number }>(url, "SELECT count(*)::int AS n FROM _prisma_migrations");
    expect(rows[0]?.n).toBe(names.length);
  });
});
