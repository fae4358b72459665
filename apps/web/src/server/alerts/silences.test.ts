import { describe, expect, it } from "vitest";
import { isWindowOpen, type SilenceData, silenceCovers } from "./silences.js";

const base: SilenceData = {
  id: "s1",
  teamId: null,
  matchers: {},
  startsAt: new Date("2026-01-01T00:00:00Z"),
  endsAt: null,
  recurrence: null,
};
const target = { ruleId: "r1", teamId: "t1", hostId: "h1", labels: { env: "prod", host: "web-1" } };
const at = (iso: string) => new Date(iso).getTime();

describe("isWindowOpen", () => {
  it("holds a one-off window between its start and end", () => {
    const s = { ...base, endsAt: new Date("2026-01-02T00:00:00Z") };
    expect(isWindowOpen(s, at("2025-12-31T23:59:59Z"))).toBe(false);
    expect(isWindowOpen(s, at("2026-01-01T12:00:00Z"))).toBe(true);
    expect(isWindowOpen(s, at("2026-01-02T00:00:00Z"))).toBe(false);
  });

  it("opens a weekly window on its weekdays only, including one that runs past midnight", () => {
    // Saturdays 22:00 UTC for 4 hours (2026-01-03 is a Saturday).
    const s = { ...base, recurrence: { weekdays: [6], startMinute: 22 * 60, durationMinutes: 240 } };
    expect(isWindowOpen(s, at("2026-01-03T21:59:00Z"))).toBe(false);
    expect(isWindowOpen(s, at("2026-01-03T22:30:00Z"))).toBe(true);
    expect(isWindowOpen(s, at("2026-01-04T01:59:00Z"))).toBe(true);
    expect(isWindowOpen(s, at("2026-01-04T02:00:00Z"))).toBe(false);
    expect(isWindowOpen(s, at("2026-01-05T22:30:00Z"))).toBe(false);
    expect(isWindowOpen(s, at("2026-01-10T23:00:00Z"))).toBe(true);
  });
});

describe("silenceCovers", () => {
  const now = at("2026-02-01T00:00:00Z");
  it("matches by labels, hosts, rules and team", () => {
    expect(silenceCovers({ ...base, matchers: { labels: { env: "prod" } } }, target, now)).toBe(true);
    expect(silenceCovers({ ...base, matchers: { labels: { env: "dev" } } }, target, now)).toBe(false);
    expect(silenceCovers({ ...base, matchers: { hostIds: ["h2"] } }, target, now)).toBe(false);
    expect(silenceCovers({ ...base, matchers: { ruleIds: ["r1"], hostIds: ["h1"] } }, target, now)).toBe(true);
    expect(silenceCovers({ ...base, teamId: "t2" }, target, now)).toBe(false);
  });
});
