import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "./embedded.js";
import { freePort } from "./testing.js";

let dataDir: string;
let port: number;

const signalListenerCounts = () => ["SIGINT", "SIGTERM", "SIGHUP", "beforeExit"].map((e) => process.listenerCount(e));
const signalBaseline = signalListenerCounts();

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "flotilla-embedded-"));
  port = await freePort();
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/** Runs startEmbeddedPostgres in another process; "hang" mode is SIGKILLed once the server is up. */
async function startInChild(mode: "hang" | "exit" = "hang"): Promise<number> {
  const script = fileURLToPath(new URL("./testing-fixtures/embedded-child.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script, dataDir, String(port), mode], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const serverPid = await new Promise<number>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      const ready = /ready (\d+)/.exec(chunk.toString());
      if (ready) resolve(Number(ready[1]));
    });
    child.once("exit", (code) => reject(new Error(`child exited early (${code})`)));
  });
  if (child.exitCode === null) {
    if (mode === "hang") child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
  }
  return serverPid;
}

async function postmasterPid(): Promise<number> {
  return Number.parseInt((await readFile(join(dataDir, "postmaster.pid"), "utf8")).split("\n")[0] ?? "", 10);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("startEmbeddedPostgres", () => {
  it("initialises a data directory once and keeps its data across restarts", async () => {
    const first = await startEmbeddedPostgres({ dataDir, port });
    console.log(`embedded postgres: initdb ${first.timings.initMs} ms, first start ${first.timings.startMs} ms`);
    expect(first.timings.initMs).not.toBeNull();
    expect(first.url).toBe(`postgresql://postgres:flotilla@127.0.0.1:${port}/flotilla`);
    await sql(first.url, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");
    await first.stop();

    const second = await startEmbeddedPostgres({ dataDir, port });
    console.log(`embedded postgres: restart of an existing data directory ${second.timings.startMs} ms`);
    expect(second.timings.initMs).toBeNull();
    expect(await sql(second.url, "SELECT v FROM kept")).toEqual([{ v: "still here" }]);
    await second.stop();
  });

  it("starts again after the previous owner was killed and left its server running", async () => {
    await startInChild();
    const orphan = await postmasterPid();
    expect(() => process.kill(orphan, 0)).not.toThrow(); // the orphan still holds the port

    const server = await startEmbeddedPostgres({ dataDir, port });
    expect(await sql(server.url, "SELECT v FROM kept")).toEqual([{ v: "still here" }]);
    expect(await postmasterPid()).not.toBe(orphan);
    await server.stop();
  });

  it("starts again after both the owner and its server were killed", async () => {
    await startInChild();
    process.kill(await postmasterPid(), "SIGKILL");

    const server = await startEmbeddedPostgres({ dataDir, port });
    expect(await sql(server.url, "SELECT v FROM kept")).toEqual([{ v: "still here" }]);
    await server.stop();
  });

  it("shuts the server down when its process exits without calling stop()", async () => {
    const pid = await startInChild("exit");
    await expect.poll(() => isRunning(pid), { timeout: 10_000 }).toBe(false);
  });

  it("leaves the process's signal handlers to the application", async () => {
    // Compared with the counts from before this file started any server: the library hooks
    // them on its first import, which happened in an earlier test.
    const server = await startEmbeddedPostgres({ dataDir, port });
    await server.stop();
    expect(signalListenerCounts()).toEqual(signalBaseline);
  });

  it("fails with the server's own words when it cannot start", async () => {
    const blocker = createServer().listen(port, "127.0.0.1");
    await once(blocker, "listening");
    try {
      await expect(startEmbeddedPostgres({ dataDir, port })).rejects.toThrow(
        /did not start[\s\S]*could not (bind|create)/,
      );
    } finally {
      blocker.close();
    }
  });

  it("refuses a directory that holds something other than a cluster", async () => {
    const other = await mkdtemp(join(tmpdir(), "flotilla-not-pg-"));
    await writeFile(join(other, "notes.txt"), "hello");
    await expect(startEmbeddedPostgres({ dataDir: other, port })).rejects.toThrow(/no PG_VERSION/);
    await rm(other, { recursive: true, force: true });
  });
});
