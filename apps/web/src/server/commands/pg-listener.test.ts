// The dispatcher's LISTEN connection must survive a database restart: a real PostgreSQL is
// stopped and started again under the listener.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedPostgres } from "@flotilla/db";
import { freePort } from "@flotilla/db/testing";
import pg from "pg";
import { expect, it } from "vitest";
import { silentLogger } from "../testing/test-server.js";
import { createPgListener } from "./pg-listener.js";

async function notify(url: string, payload: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("SELECT pg_notify('test_channel', $1)", [payload]);
  await client.end();
}

it("keeps listening across a database restart and says when it is back", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "flotilla-pg-listen-"));
  const port = await freePort();
  let db = await startEmbeddedPostgres({ dataDir, port });
  const received: string[] = [];
  const connects: boolean[] = [];
  const listener = createPgListener({
    databaseUrl: db.url,
    channel: "test_channel",
    log: silentLogger(),
    onNotification: (p) => received.push(p),
    onConnected: (reconnected) => connects.push(reconnected),
    retryBaseMs: 50,
    retryCapMs: 200,
  });
  try {
    await listener.start();
    await notify(db.url, "before");
    await expect.poll(() => received).toEqual(["before"]);

    await db.stop();
    await expect.poll(() => listener.connected).toBe(false);
    db = await startEmbeddedPostgres({ dataDir, port });
    await expect.poll(() => listener.connected, { timeout: 10_000 }).toBe(true);
    expect(connects).toEqual([false, true]);
    await notify(db.url, "after");
    await expect.poll(() => received).toEqual(["before", "after"]);
  } finally {
    await listener.stop();
    await db.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}, 60_000);
