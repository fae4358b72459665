/**
 * The sweeper's start never fails the server: with another node holding the partitions lock
 * longer than the wait, it starts anyway (and says so), and it still sweeps silent hosts.
 */
import { createPrisma, PARTITION_LOCK_KEY } from "@flotilla/db";
import { startTestDatabase, type TestDatabase } from "@flotilla/db/testing";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentPublisher } from "../live/publisher.js";
import type { PrismaClient } from "../services.js";
import { createLivenessSweeper } from "./liveness-sweeper.js";

let db: TestDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  db = await startTestDatabase();
  prisma = createPrisma(db.url);
});
afterAll(async () => {
  await prisma?.$disconnect();
  await db?.stop();
});

describe("liveness sweeper", () => {
  it("starts while another node holds the partitions lock, with a warning", async () => {
    const holder = await db.pool.connect();
    await holder.query("BEGIN");
    await holder.query("SELECT pg_advisory_xact_lock($1)", [PARTITION_LOCK_KEY]);
    const lines: string[] = [];
    const log = pino({ level: "warn" }, { write: (line: string) => lines.push(line) });
    const sweeper = createLivenessSweeper(
      { prisma, pool: db.pool, live: silentPublisher, log },
      { offlineAfterIntervals: 3 },
    );
    try {
      await sweeper.start();
      expect(lines.join("")).toContain("samples partitions not prepared at start");
      expect(await sweeper.sweepOnce()).toBe(0);
    } finally {
      await sweeper.stop();
      await holder.query("ROLLBACK");
      holder.release();
    }
  });
});
