import { describe, expect, it } from "vitest";
import { stepAlert } from "./state-machine.js";

const timing = { holdSeconds: 60, repeatIntervalSeconds: 3600 };
const T = 1_700_000_000_000;

describe("stepAlert", () => {
  it("does nothing while the condition does not hold", () => {
    expect(stepAlert(null, false, T, timing)).toEqual({ action: "none" });
  });

  it("opens pending with a hold, firing without one", () => {
    expect(stepAlert(null, true, T, timing)).toEqual({ action: "open", state: "pending" });
    expect(stepAlert(null, true, T, { ...timing, holdSeconds: 0 })).toEqual({ action: "open", state: "firing" });
  });

  it("fires once the condition held for the hold duration, not before", () => {
    const open = { state: "pending" as const, startedAt: T, lastNotifiedAt: null };
    expect(stepAlert(open, true, T + 59_999, timing)).toEqual({ action: "none" });
    expect(stepAlert(open, true, T + 60_000, timing)).toEqual({ action: "fire" });
  });

  it("closes a pending alert quietly when it clears, resolves a firing one", () => {
    expect(stepAlert({ state: "pending", startedAt: T, lastNotifiedAt: null }, false, T + 1, timing)).toEqual({
      action: "clear",
    });
    expect(stepAlert({ state: "firing", startedAt: T, lastNotifiedAt: T }, false, T + 1, timing)).toEqual({
      action: "resolve",
    });
  });

  it("repeats a firing alert's notification only after the repeat interval", () => {
    const firing = { state: "firing" as const, startedAt: T, lastNotifiedAt: T };
    expect(stepAlert(firing, true, T + 3_599_999, timing)).toEqual({ action: "none" });
    expect(stepAlert(firing, true, T + 3_600_000, timing)).toEqual({ action: "repeat" });
    // Never notified (it was silenced when it fired): notify as soon as it is allowed to.
    expect(stepAlert({ ...firing, lastNotifiedAt: null }, true, T + 5, timing)).toEqual({ action: "repeat" });
  });
});
