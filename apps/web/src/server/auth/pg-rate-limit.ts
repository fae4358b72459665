/**
 * A fixed-window counter per key in PostgreSQL (`sign_in_throttles`), so a limit holds across
 * every server node. One upsert per attempt; rows of expired windows are swept now and then.
 */
import type { PrismaClient } from "../services.js";

export interface SharedRateLimiter {
  /** Counts one attempt for `key`; `allowed` is false once the window's budget is spent. */
  hit(key: string): Promise<{ allowed: boolean; retryAfterMs: number }>;
  /** Whether `key` is currently blocked, without counting an attempt. */
  check(key: string): Promise<{ allowed: boolean; retryAfterMs: number }>;
  reset(key: string): Promise<void>;
}

export interface SharedRateLimiterOptions {
  /** Namespaces keys ("addr", "acct"). */
  prefix: string;
  max: number;
  windowMs: number;
  now?: () => number;
}

/** Timestamps go in as UTC text cast to `timestamp` (the column type), whatever the session time zone. */
const utc = (ms: number) => new Date(ms).toISOString();

export function createSharedRateLimiter(
  prisma: PrismaClient,
  { prefix, max, windowMs, now = Date.now }: SharedRateLimiterOptions,
): SharedRateLimiter {
  const keyOf = (key: string) => `${prefix}:${key}`;
  const verdict = (windowStart: Date, count: number, at: number, counted: boolean) => {
    const over = counted ? count > max : count >= max;
    return over
      ? { allowed: false, retryAfterMs: windowStart.getTime() + windowMs - at }
      : { allowed: true, retryAfterMs: 0 };
  };
  let hits = 0;

  return {
    async hit(key) {
      const at = now();
      const cutoff = utc(at - windowMs);
      const rows = await prisma.$queryRaw<Array<{ windowStart: Date; count: number }>>`
        INSERT INTO sign_in_throttles (key, window_start, count) VALUES (${keyOf(key)}, ${utc(at)}::timestamp, 1)
        ON CONFLICT (key) DO UPDATE SET
          count = CASE WHEN sign_in_throttles.window_start <= ${cutoff}::timestamp THEN 1 ELSE sign_in_throttles.count + 1 END,
          window_start = CASE WHEN sign_in_throttles.window_start <= ${cutoff}::timestamp THEN ${utc(at)}::timestamp
                              ELSE sign_in_throttles.window_start END
        RETURNING window_start AS "windowStart", count`;
      if (++hits % 200 === 0) {
        await prisma.$executeRaw`DELETE FROM sign_in_throttles WHERE window_start <= ${cutoff}::timestamp`;
      }
      const row = rows[0];
      return row ? verdict(row.windowStart, row.count, at, true) : { allowed: true, retryAfterMs: 0 };
    },
    async check(key) {
      const at = now();
      const row = await prisma.signInThrottle.findUnique({ where: { key: keyOf(key) } });
      if (!row || row.windowStart.getTime() <= at - windowMs) return { allowed: true, retryAfterMs: 0 };
      return verdict(row.windowStart, row.count, at, false);
    },
    async reset(key) {
      await prisma.signInThrottle.deleteMany({ where: { key: keyOf(key) } });
    },
  };
}
