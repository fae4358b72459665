import { describe, expect, it } from "vitest";
import { createMicroBatcher } from "./micro-batcher.js";

describe("createMicroBatcher", () => {
  it("answers many concurrent calls with few batched ones, each caller getting its own result", async () => {
    const batches: number[][] = [];
    const batcher = createMicroBatcher<number, number>(
      async (items) => {
        batches.push(items);
        await new Promise((r) => setTimeout(r, 5));
        return items.map((i) => i * 2);
      },
      { maxSize: 100, maxWaitMs: 5 },
    );
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => batcher.run(i)));
    expect(results).toEqual(Array.from({ length: 1000 }, (_, i) => i * 2));
    expect(batches.length).toBeLessThanOrEqual(11);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(100);
    expect(batcher.pending).toBe(0);
  });

  it("never runs more batches at once than its concurrency", async () => {
    let running = 0;
    let peak = 0;
    const batcher = createMicroBatcher<number, number>(
      async (items) => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 3));
        running -= 1;
        return items;
      },
      { maxSize: 10, maxWaitMs: 1, concurrency: 2 },
    );
    await Promise.all(Array.from({ length: 200 }, (_, i) => batcher.run(i)));
    expect(peak).toBe(2);
  });

  it("rejects every caller of a failed batch, and later batches still run", async () => {
    let fail = true;
    const batcher = createMicroBatcher<string, string>(
      async (items) => {
        if (fail) throw new Error("database away");
        return items;
      },
      { maxSize: 10, maxWaitMs: 1 },
    );
    const failed = await Promise.allSettled([batcher.run("a"), batcher.run("b")]);
    expect(failed.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    fail = false;
    expect(await batcher.run("c")).toBe("c");
  });

  it("rejects when the work returns the wrong number of results", async () => {
    const batcher = createMicroBatcher<number, number>(async () => [], { maxSize: 10, maxWaitMs: 1 });
    await expect(batcher.run(1)).rejects.toThrow(/0 results for 1/);
  });
});
