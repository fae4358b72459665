import { describe, expect, it } from "vitest";
import { withoutNul } from "./without-nul.js";

describe("withoutNul", () => {
  it("replaces NUL escapes, including runs of them, and keeps the JSON valid", () => {
    const raw = JSON.stringify({ message: "a\u0000\u0000b", data: { line: "\u0000" } });
    const clean = withoutNul(raw);
    expect(JSON.parse(clean)).toEqual({ message: "a\ufffd\ufffdb", data: { line: "\ufffd" } });
  });

  it("leaves an escaped backslash followed by the text u0000 alone", () => {
    const raw = JSON.stringify({ message: "C:\\u0000 and \\\u0000" });
    expect(JSON.parse(withoutNul(raw))).toEqual({ message: "C:\\u0000 and \\\ufffd" });
  });

  it("returns frames without NUL unchanged", () => {
    const raw = JSON.stringify({ type: "ping", nonce: "x" });
    expect(withoutNul(raw)).toBe(raw);
  });
});
