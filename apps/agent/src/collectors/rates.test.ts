import { describe, expect, it } from "vitest";
import { counterDelta, cpuBusyFraction, sumRates } from "./rates.js";

describe("counterDelta", () => {
  it("is the difference while the counter grows", () => {
    expect(counterDelta(100, 250, 64)).toBe(150);
  });

  it("treats a drop of a 32-bit counter as a wrap", () => {
    expect(counterDelta(0xffff_ff00, 0x10, 32)).toBe(0x100 + 0x10);
  });

  it("treats a drop of a 64-bit counter as a reset and counts from zero", () => {
    expect(counterDelta(5_000_000_000, 1_000, 64)).toBe(1_000);
  });

  it("treats a 32-bit drop from above 2^32 as a reset", () => {
    expect(counterDelta(2 ** 33, 10, 32)).toBe(10);
  });
});

describe("sumRates", () => {
  const map = (entries: Record<string, [number, number]>) =>
    new Map(Object.entries(entries).map(([k, [rx, tx]]) => [k, { rx, tx }]));

  it("sums per-device growth over the interval in bytes per second", () => {
    const before = map({ eth0: [1000, 2000], eth1: [0, 0] });
    const after = map({ eth0: [6000, 4000], eth1: [1000, 500] });
    expect(sumRates(before, after, 2)).toEqual({ rx: 3000, tx: 1250 });
  });

  it("ignores devices that appeared or disappeared between readings", () => {
    const before = map({ eth0: [1000, 1000], gone: [9e9, 9e9] });
    const after = map({ eth0: [2000, 1000], fresh: [5e9, 5e9] });
    expect(sumRates(before, after, 1)).toEqual({ rx: 1000, tx: 0 });
  });

  it("handles a device whose counter was reset", () => {
    const before = map({ sda: [9_000_000_000, 9_000_000_000] });
    const after = map({ sda: [4096, 0] });
    expect(sumRates(before, after, 1, 64)).toEqual({ rx: 4096, tx: 0 });
  });

  it("returns zero for a zero-length interval", () => {
    expect(sumRates(map({ a: [0, 0] }), map({ a: [10, 10] }), 0)).toEqual({ rx: 0, tx: 0 });
  });
});

describe("cpuBusyFraction", () => {
  it("is busy time over total time between readings", () => {
    expect(cpuBusyFraction({ busy: 100, idle: 900 }, { busy: 400, idle: 1600 })).toBeCloseTo(0.3);
  });

  it("clamps idle time that went backwards (iowait on tickless kernels)", () => {
    expect(cpuBusyFraction({ busy: 100, idle: 1000 }, { busy: 200, idle: 990 })).toBe(1);
  });

  it("is zero when no time passed", () => {
    expect(cpuBusyFraction({ busy: 1, idle: 1 }, { busy: 1, idle: 1 })).toBe(0);
  });
});
