/**
 * A fixed-window counter per key, in memory. Good enough for sign-in throttling on one
 * node; several nodes each keep their own count (so the effective limit is per node).
 */

export interface RateLimiter {
  /** Counts one attempt for `key`; `allowed` is false once the window's budget is spent. */
  hit(key: string): { allowed: boolean; retryAfterMs: number };
  /** Whether `key` is currently blocked, without counting an attempt. */
  check(key: string): { allowed: boolean; retryAfterMs: number };
  reset(key: string): void;
  size(): number;
}

export interface RateLimiterOptions {
  max: number;
  windowMs: number;
  now?: () => number;
  /** Entries kept before expired ones are swept, to bound memory. */
  maxKeys?: number;
}

export function createRateLimiter({
  max,
  windowMs,
  now = Date.now,
  maxKeys = 10_000,
}: RateLimiterOptions): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();

  function sweep(at: number) {
    for (const [key, w] of windows) if (at - w.start >= windowMs) windows.delete(key);
  }

  function current(key: string, at: number) {
    const w = windows.get(key);
    return w && at - w.start < windowMs ? w : null;
  }

  return {
    hit(key) {
      const at = now();
      let w = current(key, at);
      if (!w) {
        if (windows.size >= maxKeys) sweep(at);
        w = { start: at, count: 0 };
        windows.set(key, w);
      }
      w.count += 1;
      return w.count <= max
        ? { allowed: true, retryAfterMs: 0 }
        : { allowed: false, retryAfterMs: w.start + windowMs - at };
    },
    check(key) {
      const at = now();
      const w = current(key, at);
      return !w || w.count < max
        ? { allowed: true, retryAfterMs: 0 }
        : { allowed: false, retryAfterMs: w.start + windowMs - at };
    },
    reset(key) {
      windows.delete(key);
    },
    size: () => windows.size,
  };
}
