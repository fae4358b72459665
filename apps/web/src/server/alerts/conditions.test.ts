import { describe, expect, it } from "vitest";
import { isBreaching, metricValue, ruleCoversHost, type SampleRow } from "./conditions.js";

const sample: SampleRow = {
  hostId: "h1",
  workloadId: null,
  ts: 0,
  cpuCores: 2,
  cpuRatio: 0.25,
  memUsedBytes: 4e9,
  memTotalBytes: 16e9,
  netRxBps: 100,
  netTxBps: 50,
  diskReadBps: null,
  diskWriteBps: 30,
};
const capacity = { cpuCores: 8, memoryBytes: 32e9 };

describe("metricValue", () => {
  it("reads host cpu and memory as percent, I/O as summed bytes per second", () => {
    expect(metricValue("cpu", sample, capacity)).toBe(25);
    expect(metricValue("memory", sample, capacity)).toBe(25);
    expect(metricValue("network", sample, capacity)).toBe(150);
    expect(metricValue("disk", sample, capacity)).toBe(30);
  });

  it("falls back to cores over capacity and the host's memory; workloads count percent of one core", () => {
    expect(metricValue("cpu", { ...sample, cpuRatio: null }, capacity)).toBe(25);
    expect(metricValue("memory", { ...sample, memTotalBytes: null }, capacity)).toBe(12.5);
    expect(metricValue("cpu", { ...sample, workloadId: "c1", cpuRatio: null, cpuCores: 1.5 }, capacity)).toBe(150);
  });

  it("says null when nothing was measured", () => {
    expect(metricValue("disk", { ...sample, diskReadBps: null, diskWriteBps: null }, capacity)).toBeNull();
    expect(metricValue("memory", { ...sample, memTotalBytes: null }, { cpuCores: 8, memoryBytes: 0 })).toBeNull();
  });
});

describe("isBreaching", () => {
  it("is strict, and never breaches without a value", () => {
    expect(isBreaching(90, "above", 90)).toBe(false);
    expect(isBreaching(90.1, "above", 90)).toBe(true);
    expect(isBreaching(5, "below", 10)).toBe(true);
    expect(isBreaching(null, "below", 10)).toBe(false);
  });
});

describe("ruleCoversHost", () => {
  const host = { id: "h1", teamId: "t1", labels: { env: "prod", rack: "a" } };
  it("scopes by team, host list and labels ('*' means the label is present)", () => {
    expect(ruleCoversHost({ teamId: null, scope: {} }, host)).toBe(true);
    expect(ruleCoversHost({ teamId: "t2", scope: {} }, host)).toBe(false);
    expect(ruleCoversHost({ teamId: "t1", scope: { hostIds: ["h2"] } }, host)).toBe(false);
    expect(ruleCoversHost({ teamId: null, scope: { labels: { env: "prod" } } }, host)).toBe(true);
    expect(ruleCoversHost({ teamId: null, scope: { labels: { env: "dev" } } }, host)).toBe(false);
    expect(ruleCoversHost({ teamId: null, scope: { labels: { rack: "*" } } }, host)).toBe(true);
    expect(ruleCoversHost({ teamId: null, scope: { labels: { zone: "*" } } }, host)).toBe(false);
  });
});
