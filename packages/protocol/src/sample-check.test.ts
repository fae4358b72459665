import { describe, expect, it } from "vitest";
import { decodeAgentFrame } from "./codec.js";
import { type Sample, sampleSchema } from "./common.js";
import { MAX_SAMPLES_PER_BATCH, metricsFrameSchema } from "./frames.js";
import { plainlyValidMetricsFrame, plainlyValidSample } from "./sample-check.js";

const host: Sample = {
  ts: 1_700_000_000_000,
  target: { kind: "host" },
  cpuCores: 1.5,
  cpuRatio: 0.75,
  memUsedBytes: 1e9,
  memTotalBytes: 4e9,
  netRxBps: 10,
  netTxBps: 20,
  diskReadBps: 0,
  diskWriteBps: 0,
  load1: 0.5,
};
const container: Sample = {
  ts: 1_700_000_000_000,
  target: { kind: "container", id: "a".repeat(64) },
  cpuCores: 0,
  memUsedBytes: 4096,
  netRxBps: 0,
  netTxBps: 0,
  diskReadBps: 0,
  diskWriteBps: 0,
};

const oddValues: unknown[] = [
  undefined,
  null,
  -1,
  -0,
  0,
  0.5,
  1,
  1.5,
  2 ** 53,
  8.64e15,
  8.64e15 + 1,
  1e300,
  Number.NaN,
  Infinity,
  -Infinity,
  "1",
  {},
];
const fields = [
  "ts",
  "cpuCores",
  "cpuRatio",
  "memUsedBytes",
  "memTotalBytes",
  "netRxBps",
  "netTxBps",
  "diskReadBps",
  "diskWriteBps",
  "load1",
] as const;
const targets: unknown[] = [
  { kind: "host" },
  { kind: "host", id: "x" },
  { kind: "vm", id: "v" },
  { kind: "container", id: "" },
  { kind: "container", id: "x".repeat(200) },
  { kind: "container", id: "x".repeat(201) },
  { kind: "container" },
  { kind: "pod", id: "p" },
  null,
  "host",
];

describe("plainlyValidSample", () => {
  it("passes the samples the collectors make", () => {
    expect(plainlyValidSample(host)).toBe(true);
    expect(plainlyValidSample(container)).toBe(true);
  });

  it("never passes a sample the protocol's schema refuses", () => {
    const cases: Sample[] = [];
    for (const base of [host, container]) {
      for (const field of fields) for (const value of oddValues) cases.push({ ...base, [field]: value } as Sample);
      for (const target of targets) cases.push({ ...base, target } as Sample);
    }
    let passed = 0;
    for (const sample of cases) {
      if (!plainlyValidSample(sample)) continue;
      passed++;
      expect(sampleSchema.safeParse(sample).success, JSON.stringify(sample)).toBe(true);
    }
    // Both ways: the fast check does take many of these (it is not a check that refuses everything).
    expect(passed).toBeGreaterThan(cases.length / 4);
    expect(passed).toBeLessThan(cases.length);
  });
});

describe("plainlyValidMetricsFrame", () => {
  const frame = { type: "metrics", seq: 7, samples: [host, container] };

  it("never passes a frame the schema refuses, and decoding through it gives the schema's frame", () => {
    const many = Array.from({ length: MAX_SAMPLES_PER_BATCH + 1 }, () => container);
    const cases: unknown[] = [
      frame,
      { ...frame, seq: 0 },
      { ...frame, seq: -1 },
      { ...frame, seq: 1.5 },
      { ...frame, seq: 2 ** 53 },
      { ...frame, seq: "7" },
      { ...frame, type: "event" },
      { ...frame, samples: [] },
      { ...frame, samples: many },
      { ...frame, samples: many.slice(1) },
      { ...frame, samples: "x" },
      { ...frame, samples: [host, null] },
      { ...frame, samples: [host, { ...container, cpuCores: -1 }] },
      { ...frame, samples: [{ ...host, cpuRatio: 1.01 }] },
      { type: "metrics", seq: 7 },
      null,
      [],
    ];
    let passed = 0;
    for (const value of cases) {
      if (!plainlyValidMetricsFrame(value)) continue;
      passed++;
      const parsed = metricsFrameSchema.safeParse(value);
      expect(parsed.success, JSON.stringify(value).slice(0, 200)).toBe(true);
      const decoded = decodeAgentFrame(JSON.stringify(value));
      expect(decoded).toEqual({ ok: true, frame: parsed.data });
    }
    expect(passed).toBe(2);
  });

  it("leaves a frame it does not pass to the schema, whose error names the batch", () => {
    const bad = decodeAgentFrame(JSON.stringify({ ...frame, samples: [{ ...host, cpuCores: -1 }] }));
    expect(bad).toMatchObject({ ok: false, error: { code: "invalid_frame", ref: "7" } });
    if (!bad.ok) expect(bad.error.message).toMatch(/samples\.0\.cpuCores/);
  });
});
