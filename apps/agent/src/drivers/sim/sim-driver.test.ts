import { inventoryFrameSchema, sampleSchema } from "@flotilla/protocol";
import { describe, expect, it } from "vitest";
import type { InventoryDelta } from "../driver.js";
import { generateHostModel } from "./host-model.js";
import { SimDriver } from "./sim-driver.js";
import { sampleSimHost } from "./usage.js";

const T0 = Date.UTC(2026, 0, 1, 12);

describe("sim driver", () => {
  it("is deterministic: the same seed gives the same host, inventory and samples", async () => {
    const a = new SimDriver(generateHostModel(42), { churnEveryMs: 0 });
    const b = new SimDriver(generateHostModel(42), { churnEveryMs: 0 });
    expect(await a.inventory()).toEqual(await b.inventory());
    expect(await a.sample(T0)).toEqual(await b.sample(T0));
    const other = new SimDriver(generateHostModel(43), { churnEveryMs: 0 });
    expect(await other.inventory()).not.toEqual(await a.inventory());
  });

  it("produces valid workloads and samples of plausible size", async () => {
    for (let seed = 0; seed < 30; seed++) {
      const model = generateHostModel(seed);
      expect([16, 24, 32, 48, 64]).toContain(model.cores);
      expect(model.memoryBytes).toBeGreaterThanOrEqual(64 * 1024 ** 3);
      expect(model.memoryBytes).toBeLessThanOrEqual(512 * 1024 ** 3);
      const driver = new SimDriver(model, { churnEveryMs: 0 });
      const workloads = await driver.inventory();
      expect(workloads.length).toBeGreaterThanOrEqual(3);
      expect(new Set(workloads.map((w) => w.id)).size).toBe(workloads.length);
      const frame = { type: "inventory", full: false, workloads, removed: [] };
      expect(inventoryFrameSchema.safeParse(frame).success).toBe(true);

      const samples = await driver.sample(T0);
      for (const s of samples) expect(sampleSchema.safeParse(s).success).toBe(true);
      const host = sampleSimHost(model, samples, T0);
      expect(sampleSchema.safeParse(host).success).toBe(true);
      expect(host.cpuCores).toBeLessThanOrEqual(model.cores);
      expect(host.memUsedBytes).toBeGreaterThan(samples.reduce((sum, s) => sum + s.memUsedBytes, 0));
    }
  });

  it("varies slowly: consecutive samples 5 s apart stay close", async () => {
    const driver = new SimDriver(generateHostModel(7), { churnEveryMs: 0 });
    const first = await driver.sample(T0);
    const next = await driver.sample(T0 + 5000);
    for (const [i, s] of first.entries()) {
      const capacity = Math.max(s.cpuCores, next[i]?.cpuCores ?? 0, 0.5);
      expect(Math.abs(s.cpuCores - (next[i]?.cpuCores ?? 0)) / capacity).toBeLessThan(0.5);
    }
  });

  it("changes its inventory now and then, reporting deltas", async () => {
    const driver = new SimDriver(generateHostModel(3), { churnEveryMs: 1000, churnProbability: 1 });
    const deltas: InventoryDelta[] = [];
    await driver.start({ inventoryChanged: (d) => deltas.push(d), event: () => {} });
    for (let i = 0; i < 20; i++) await driver.sample(T0 + i * 1000);
    // At most one change per period after the first; a few periods find nothing to change.
    expect(deltas.length).toBeGreaterThan(10);
    expect(deltas.length).toBeLessThanOrEqual(19);
    const byId = new Map((await driver.inventory()).map((w) => [w.id, w]));
    const last = deltas.at(-1);
    for (const w of last?.changed ?? []) expect(byId.get(w.id)).toEqual(w);
    for (const id of last?.removed ?? []) expect(byId.has(id)).toBe(false);
  });
});
