import { describe, expect, it } from "vitest";
import { SerialQueue } from "./serial-queue.js";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("SerialQueue", () => {
  it("runs one key's operations in order, other keys alongside, past failures", async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    const op =
      (name: string, ms: number, fail = false) =>
      async () => {
        log.push(`${name}:start`);
        await tick(ms);
        log.push(`${name}:end`);
        if (fail) throw new Error(name);
        return name;
      };
    const a1 = queue.run("a", op("a1", 30, true));
    const a2 = queue.run("a", op("a2", 1));
    const b1 = queue.run("b", op("b1", 1));
    await expect(a1).rejects.toThrow("a1");
    expect(await a2).toBe("a2");
    expect(await b1).toBe("b1");
    expect(log.indexOf("a2:start")).toBeGreaterThan(log.indexOf("a1:end"));
    expect(log.indexOf("b1:end")).toBeLessThan(log.indexOf("a1:end"));
  });
});
