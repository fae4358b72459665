// A throw-away PostgreSQL for tests (`@flotilla/db/testing`): a fresh embedded server in a temp
// directory on a free port, migrated unless asked not to. One per test file keeps files independent.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "./embedded.js";
import { applyMigrations } from "./migrate.js";

export interface TestDatabase {
  url: string;
  pool: pg.Pool;
  dataDir: string;
  port: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  // /tmp, not a 0700 home directory: as root the server runs as the `postgres` user.
  const dataDir = await mkdtemp(join(tmpdir(), "flotilla-pg-"));
  const port = await freePort();
  const server = await startEmbeddedPostgres({ dataDir, port });
  if (options.migrate !== false) await applyMigrations(server.url);
  const pool = new pg.Pool({ connectionString: server.url, max: 4 });
  // pool.end() resolves before its sockets are closed, so stopping the server right after can
  // deliver a 57P01 "terminating connection" to an idle client: expected at teardown, not a failure.
  pool.on("error", () => {});
  return {
    url: server.url,
    pool,
    dataDir,
    port,
    async stop() {
      await pool.end();
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
