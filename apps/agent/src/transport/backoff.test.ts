import { describe, expect, it } from "vitest";
import { backoffCeiling, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";

describe("backoff", () => {
  it("doubles the ceiling from 500 ms up to the 30 s cap", () => {
    const ceilings = Array.from({ length: 9 }, (_, i) => backoffCeiling(i, DEFAULT_BACKOFF));
    expect(ceilings).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(backoffCeiling(10_000, DEFAULT_BACKOFF)).toBe(30000);
  });

  it("draws a full-jitter delay in [0, ceiling)", () => {
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0)).toBe(0);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.999999)).toBe(3999);
    for (let attempt = 0; attempt < 50; attempt++) {
      const delay = backoffDelay(attempt, DEFAULT_BACKOFF);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(backoffCeiling(attempt, DEFAULT_BACKOFF));
    }
  });
});
