import { describe, expect, it } from "vitest";
import { toSnapshotInfo } from "./qemu-img.js";

describe("toSnapshotInfo", () => {
  it("turns QEMU's snapshot record (qemu-img info, query-named-block-nodes) into ours", () => {
    const qemu = {
      "vm-clock-nsec": 858_959_891,
      name: "before",
      "date-sec": 1_795_915_128,
      "date-nsec": 417_991_000,
      "vm-clock-sec": 35,
      id: "1",
      "vm-state-size": 93_791_880,
    };
    expect(toSnapshotInfo(qemu)).toEqual({
      id: "1",
      name: "before",
      vmStateBytes: 93_791_880,
      createdAt: 1_795_915_128_417,
      vmClockMs: 35_858,
    });
  });

  it("reads a disk-only snapshot (no vm-state-size) as 0 bytes of VM state", () => {
    expect(toSnapshotInfo({ id: "2", name: "cold", "date-sec": 1 }).vmStateBytes).toBe(0);
  });
});
