import { describe, expect, it } from "vitest";
import { appendLog, EMPTY_LOG, filterLog, logFileName, logFileText, prepareResume, splitTimestamp } from "./log-lines";

describe("splitTimestamp", () => {
  it("takes Docker's nanosecond stamps off the front", () => {
    const r = splitTimestamp("2025-01-01T10:00:00.123456789Z GET / 200");
    expect(r).toEqual({
      stamp: "2025-01-01T10:00:00.123456789Z",
      ts: Date.UTC(2025, 0, 1, 10, 0, 0, 123),
      text: "GET / 200",
    });
  });

  it("leaves lines without a stamp alone", () => {
    expect(splitTimestamp("Step 1/3 : FROM busybox")).toEqual({
      stamp: null,
      ts: null,
      text: "Step 1/3 : FROM busybox",
    });
    expect(splitTimestamp("2025-13-45T99:00:00Z nonsense").ts).toBeNull();
  });
});

describe("appendLog", () => {
  it("keeps the newest lines under the cap, with stable sequence numbers", () => {
    let s = appendLog(EMPTY_LOG, "stdout", ["a", "b", "c"], 4);
    s = appendLog(s, "stderr", ["d", "e"], 4);
    expect(s.lines.map((l) => `${l.seq}:${l.stream}:${l.text}`)).toEqual([
      "1:stdout:b",
      "2:stdout:c",
      "3:stderr:d",
      "4:stderr:e",
    ]);
    expect(s.dropped).toBe(1);
    expect(s.nextSeq).toBe(5);
  });

  it("returns the same state for nothing new", () => {
    expect(appendLog(EMPTY_LOG, "stdout", [])).toBe(EMPTY_LOG);
  });
});

describe("prepareResume", () => {
  it("resumes just after the newest stamped line and drops the engine's repeats", () => {
    const s = appendLog(EMPTY_LOG, "stdout", ["2025-01-01T10:00:00.000Z one", "2025-01-01T10:00:01.000Z two"]);
    const { state, since } = prepareResume(s, 99);
    expect(since).toBe(Date.UTC(2025, 0, 1, 10, 0, 1) + 1);
    const after = appendLog(state, "stdout", ["2025-01-01T10:00:01.000Z two", "2025-01-01T10:00:02.000Z three"]);
    expect(after.lines.map((l) => l.text)).toEqual(["one", "two", "three"]);
  });

  it("falls back to the pause time when no line had a stamp", () => {
    expect(prepareResume(appendLog(EMPTY_LOG, "stdout", ["plain"]), 1234).since).toBe(1234);
  });
});

describe("filtering and downloading", () => {
  const s = appendLog(EMPTY_LOG, "stdout", [
    "2025-01-01T10:00:00Z GET /api 200",
    "2025-01-01T10:00:01Z POST /login 500",
  ]);

  it("filters case-insensitively", () => {
    expect(filterLog(s.lines, "post").map((l) => l.text)).toEqual(["POST /login 500"]);
    expect(filterLog(s.lines, "  ")).toBe(s.lines);
  });

  it("writes what is loaded, with or without the stamps", () => {
    expect(logFileText(s.lines, true)).toBe(
      "2025-01-01T10:00:00Z GET /api 200\n2025-01-01T10:00:01Z POST /login 500\n",
    );
    expect(logFileText(s.lines, false)).toBe("GET /api 200\nPOST /login 500\n");
    expect(logFileText([], true)).toBe("");
  });

  it("names the file after the container", () => {
    expect(logFileName("web 1/prod", new Date(Date.UTC(2025, 0, 1, 10, 0, 0)))).toBe(
      "web-1-prod-2025-01-01T10-00-00.log",
    );
  });
});
