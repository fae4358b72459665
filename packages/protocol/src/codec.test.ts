import { describe, expect, it } from "vitest";
import { decodeAgentFrame, decodeServerFrame } from "./codec.js";
import { MAX_SAMPLES_PER_BATCH } from "./frames.js";
import { PROTOCOL_VERSION } from "./version.js";

const sample = {
  ts: 1_764_000_000_000,
  target: { kind: "host" },
  cpuCores: 0.5,
  cpuRatio: 0.25,
  memUsedBytes: 1e9,
  memTotalBytes: 4e9,
  netRxBps: 10,
  netTxBps: 20,
  diskReadBps: 0,
  diskWriteBps: 4096,
  load1: 0.3,
};

describe("decodeAgentFrame", () => {
  it("accepts a valid hello and fills defaults", () => {
    const r = decodeAgentFrame(
      JSON.stringify({
        type: "hello",
        protocol: PROTOCOL_VERSION,
        agentId: "a1",
        agentVersion: "0.1.0",
        bootId: "b1",
        drivers: ["proc"],
        intervalMs: 5000,
      }),
    );
    expect(r.ok).toBe(true);
    if (r.ok && r.frame.type === "hello") expect(r.frame.capabilities).toEqual([]);
  });

  it("accepts a metrics batch with host and workload samples", () => {
    const r = decodeAgentFrame(
      JSON.stringify({
        type: "metrics",
        seq: 7,
        samples: [sample, { ...sample, target: { kind: "container", id: "c1" }, load1: undefined }],
      }),
    );
    expect(r).toMatchObject({ ok: true, frame: { type: "metrics", seq: 7 } });
  });

  it.each([
    ["not JSON", "{nope", /not valid JSON/],
    ["an unknown type", JSON.stringify({ type: "launch_missiles" }), /type/],
    [
      "a negative rate",
      JSON.stringify({ type: "metrics", seq: 1, samples: [{ ...sample, netRxBps: -1 }] }),
      /netRxBps/,
    ],
    ["a zero seq", JSON.stringify({ type: "metrics", seq: 0, samples: [sample] }), /seq/],
    ["an empty batch", JSON.stringify({ type: "metrics", seq: 1, samples: [] }), /samples/],
    ["a full inventory without host", JSON.stringify({ type: "inventory", full: true, workloads: [] }), /host/],
    ["a JSON array", "[1,2]", /.+/],
    ["null", "null", /.+/],
  ])("rejects %s with a readable message", (_name, raw, message) => {
    const r = decodeAgentFrame(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe("invalid_frame");
      expect(r.error.message).toMatch(message);
    }
  });

  it("rejects a batch over the size limit", () => {
    const samples = Array.from({ length: MAX_SAMPLES_PER_BATCH + 1 }, () => sample);
    expect(decodeAgentFrame(JSON.stringify({ type: "metrics", seq: 1, samples })).ok).toBe(false);
  });

  it("names the offending frame type in ref", () => {
    const r = decodeAgentFrame(JSON.stringify({ type: "metrics", seq: "x", samples: [sample] }));
    expect(r.ok ? null : r.error.ref).toBe("metrics");
  });
});

describe("decodeServerFrame", () => {
  it("accepts a typed command and refuses an untyped one", () => {
    const ok = decodeServerFrame(
      JSON.stringify({
        type: "command",
        id: "c1",
        deadline: 1,
        command: { name: "metrics.set_interval", payload: { intervalMs: 1000 } },
      }),
    );
    expect(ok.ok).toBe(true);
    const shell = decodeServerFrame(
      JSON.stringify({
        type: "command",
        id: "c2",
        deadline: 1,
        command: { name: "shell", payload: { cmd: "rm -rf /" } },
      }),
    );
    expect(shell.ok).toBe(false);
    const extra = decodeServerFrame(
      JSON.stringify({
        type: "command",
        id: "c3",
        deadline: 1,
        command: { name: "inventory.refresh", payload: { cmd: "x" } },
      }),
    );
    expect(extra.ok).toBe(false);
  });

  it("fills the ack duplicate flag", () => {
    expect(decodeServerFrame('{"type":"ack","seq":3}')).toEqual({
      ok: true,
      frame: { type: "ack", seq: 3, duplicate: false },
    });
  });
});
