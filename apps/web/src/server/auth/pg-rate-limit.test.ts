/** The shared sign-in limiter over a real PostgreSQL: windows, keys, reset, and two "nodes" sharing a count. */
import { createPrisma } from "@flotilla/db";
import { startTestDatabase, type TestDatabase } from "@flotilla/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../services.js";
import { createSharedRateLimiter } from "./pg-rate-limit.js";

let db: TestDatabase;
let prisma: PrismaClient;
let n = 0;

beforeAll(async () => {
  db = await startTestDatabase();
  prisma = createPrisma(db.url);
});
afterAll(async () => {
  await prisma?.$disconnect();
  await db?.stop();
});

const prefix = () => `t${n++}`;

describe("createSharedRateLimiter", () => {
  it("allows `max` hits per window, then refuses with the time left; other keys count on their own", async () => {
    let now = Date.UTC(2026, 10, 29, 3, 0, 0);
    const limiter = createSharedRateLimiter(prisma, { prefix: prefix(), max: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) expect((await limiter.hit("1.2.3.4")).allowed).toBe(true);
    now += 10_000;
    expect(await limiter.hit("1.2.3.4")).toEqual({ allowed: false, retryAfterMs: 50_000 });
    expect((await limiter.check("1.2.3.4")).allowed).toBe(false);
    expect((await limiter.hit("5.6.7.8")).allowed).toBe(true);
  });

  it("opens again once the window has passed, and on reset; check() does not count", async () => {
    let now = Date.UTC(2026, 10, 29, 4, 0, 0);
    const limiter = createSharedRateLimiter(prisma, { prefix: prefix(), max: 1, windowMs: 1_000, now: () => now });
    for (let i = 0; i < 5; i++) expect((await limiter.check("a")).allowed).toBe(true);
    await limiter.hit("a");
    expect((await limiter.hit("a")).allowed).toBe(false);
    now += 1_000;
    expect((await limiter.hit("a")).allowed).toBe(true);
    expect((await limiter.hit("a")).allowed).toBe(false);
    await limiter.reset("a");
    expect((await limiter.hit("a")).allowed).toBe(true);
  });

  it("is one count for every node: two limiters on the same table share it, also under concurrent hits", async () => {
    const now = () => Date.UTC(2026, 10, 29, 5, 0, 0);
    const p = prefix();
    const nodeA = createSharedRateLimiter(prisma, { prefix: p, max: 10, windowMs: 60_000, now });
    const nodeB = createSharedRateLimiter(prisma, { prefix: p, max: 10, windowMs: 60_000, now });
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => (i % 2 ? nodeA : nodeB).hit("victim@example.test")),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    expect((await nodeA.check("victim@example.test")).allowed).toBe(false);
  });
});
