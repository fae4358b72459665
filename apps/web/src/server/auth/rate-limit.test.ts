import { describe, expect, it } from "vitest";
import { createRateLimiter } from "./rate-limit.js";

describe("createRateLimiter", () => {
  it("allows `max` hits per window, then refuses with the time left", () => {
    let now = 1_000;
    const limiter = createRateLimiter({ max: 3, windowMs: 60_000, now: () => now });
    expect([1, 2, 3].map(() => limiter.hit("1.2.3.4").allowed)).toEqual([true, true, true]);
    now += 10_000;
    expect(limiter.hit("1.2.3.4")).toEqual({ allowed: false, retryAfterMs: 50_000 });
    expect(limiter.check("1.2.3.4").allowed).toBe(false);
    // Other keys are counted on their own.
    expect(limiter.hit("5.6.7.8").allowed).toBe(true);
  });

  it("opens again once the window has passed, and on reset", () => {
    let now = 0;
    const limiter = createRateLimiter({ max: 1, windowMs: 1_000, now: () => now });
    limiter.hit("a");
    expect(limiter.hit("a").allowed).toBe(false);
    now = 1_000;
    expect(limiter.hit("a").allowed).toBe(true);
    expect(limiter.hit("a").allowed).toBe(false);
    limiter.reset("a");
    expect(limiter.hit("a").allowed).toBe(true);
  });

  it("check() does not count", () => {
    const limiter = createRateLimiter({ max: 1, windowMs: 1_000, now: () => 0 });
    for (let i = 0; i < 5; i++) expect(limiter.check("a").allowed).toBe(true);
    expect(limiter.hit("a").allowed).toBe(true);
    expect(limiter.check("a").allowed).toBe(false);
  });

  it("sweeps expired keys instead of growing without bound", () => {
    let now = 0;
    const limiter = createRateLimiter({ max: 1, windowMs: 1_000, now: () => now, maxKeys: 100 });
    for (let i = 0; i < 100; i++) limiter.hit(`k${i}`);
    now = 2_000;
    limiter.hit("fresh");
    expect(limiter.size()).toBe(1);
  });
});
