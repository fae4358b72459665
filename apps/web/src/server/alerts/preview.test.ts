import { describe, expect, it } from "vitest";
import { countFires } from "./preview.js";

describe("countFires", () => {
  const ts = [0, 60, 120, 180, 240, 300, 360];
  it("counts each breach that lasts the hold once", () => {
    const values = [10, 95, 96, 20, 97, 98, 99];
    expect(countFires(ts, values, { comparator: "above", threshold: 90, holdSeconds: 0 })).toBe(2);
    expect(countFires(ts, values, { comparator: "above", threshold: 90, holdSeconds: 120 })).toBe(1);
    expect(countFires(ts, values, { comparator: "above", threshold: 90, holdSeconds: 600 })).toBe(0);
  });
  it("treats gaps as not breaching, and supports below", () => {
    expect(countFires(ts, [5, null, 5, 50, 5, 5, 50], { comparator: "below", threshold: 10, holdSeconds: 0 })).toBe(3);
  });
});
