import { describe, expect, it } from "vitest";
import { isWindowOpen, recurrenceSchema, type SilenceData, silenceCovers } from "./silences.js";

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
    const s = { ...base, recurrence: { weekdays: [6], startMinute: 22 * 60, durationMinutes: 240, timeZone: "UTC" } };
    expect(isWindowOpen(s, at("2026-01-03T21:59:00Z"))).toBe(false);
    expect(isWindowOpen(s, at("2026-01-03T22:30:00Z"))).toBe(true);
    expect(isWindowOpen(s, at("2026-01-04T01:59:00Z"))).toBe(true);
    expect(isWindowOpen(s, at("2026-01-04T02:00:00Z"))).toBe(false);
    expect(isWindowOpen(s, at("2026-01-05T22:30:00Z"))).toBe(false);
    expect(isWindowOpen(s, at("2026-01-10T23:00:00Z"))).toBe(true);
  });
});

describe("weekly windows in a time zone", () => {
  const weekly = (timeZone: string, startMinute: number, durationMinutes: number, weekdays = [1]) => ({
    ...base,
    recurrence: { weekdays, startMinute, durationMinutes, timeZone },
  });

  it("open at the zone's wall-clock time, following daylight saving", () => {
    // Mondays 09:00 Europe/Berlin for an hour: 08:00 UTC in winter (CET), 07:00 UTC in summer (CEST).
    const s = weekly("Europe/Berlin", 9 * 60, 60);
    expect(isWindowOpen(s, at("2026-01-05T07:30:00Z"))).toBe(false);
    expect(isWindowOpen(s, at("2026-01-05T08:30:00Z"))).toBe(true);
    expect(isWindowOpen(s, at("2026-01-05T09:00:00Z"))).toBe(false);
    expect(isWindowOpen(s, at("2026-07-06T07:30:00Z"))).toBe(true);
    expect(isWindowOpen(s, at("2026-07-06T08:30:00Z"))).toBe(false);
  });

  it("take the weekday from the zone's calendar, not UTC's", () => {
    // Mondays 00:30 Pacific/Auckland (UTC+13 in January) is Sunday 11:30 UTC.
    const s = weekly("Pacific/Auckland", 30, 60);
    expect(isWindowOpen(s, at("2026-01-04T11:45:00Z"))).toBe(true);
    expect(isWindowOpen(s, at("2026-01-05T11:45:00Z"))).toBe(false);
    // Sundays 22:00 America/New_York for 4 hours runs into Monday 02:00 local (03:00-07:00 UTC in winter).
    const late = weekly("America/New_York", 22 * 60, 240, [0]);
    expect(isWindowOpen(late, at("2026-01-05T02:59:00Z"))).toBe(false);
    expect(isWindowOpen(late, at("2026-01-05T06:30:00Z"))).toBe(true);
    expect(isWindowOpen(late, at("2026-01-05T07:00:00Z"))).toBe(false);
  });

  it("open on the days clocks change: a skipped hour still opens the window, a repeated one opens once", () => {
    // 2026-03-08 is a Sunday: New York jumps from 02:00 to 03:00 (EST to EDT). A 02:30 window
    // opens at the same instant as 03:30 EDT would read: 07:30 UTC.
    const s = weekly("America/New_York", 2 * 60 + 30, 30, [0]);
    expect(isWindowOpen(s, at("2026-03-08T07:29:00Z"))).toBe(false);
    expect(isWindowOpen(s, at("2026-03-08T07:35:00Z"))).toBe(true);
    // The week after, it opens at 02:30 EDT: 06:30 UTC.
    expect(isWindowOpen(s, at("2026-03-15T06:35:00Z"))).toBe(true);
    // 2026-11-01 (a Sunday) repeats 01:00-02:00: a 01:30 window opens at the first 01:30 (EDT) only.
    const repeated = weekly("America/New_York", 90, 20, [0]);
    expect(isWindowOpen(repeated, at("2026-11-01T05:35:00Z"))).toBe(true);
    expect(isWindowOpen(repeated, at("2026-11-01T06:35:00Z"))).toBe(false);
    // East of UTC too: Berlin repeats 02:00-03:00 on 2026-10-25 (a Sunday); the first 02:30 is CEST, 00:30 UTC.
    const berlin = weekly("Europe/Berlin", 150, 20, [0]);
    expect(isWindowOpen(berlin, at("2026-10-25T00:35:00Z"))).toBe(true);
    expect(isWindowOpen(berlin, at("2026-10-25T01:35:00Z"))).toBe(false);
    // A 24-hour window from Saturday 23:59 runs through the 23-hour Sunday when clocks go forward.
    const long = weekly("Europe/Berlin", 23 * 60 + 59, 1440, [6]);
    expect(isWindowOpen(long, at("2026-03-29T22:30:00Z"))).toBe(true);
    expect(isWindowOpen(long, at("2026-03-29T22:59:00Z"))).toBe(false);
  });

  it("refuses an unknown zone, and reads a stored window without one as UTC", () => {
    const bad = recurrenceSchema.safeParse({
      weekdays: [1],
      startMinute: 0,
      durationMinutes: 10,
      timeZone: "Mars/Olympus",
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/unknown time zone/);
    expect(recurrenceSchema.parse({ weekdays: [1], startMinute: 0, durationMinutes: 10 }).timeZone).toBe("UTC");
    const spelled = { weekdays: [1], startMinute: 0, durationMinutes: 10, timeZone: "europe/berlin" };
    expect(recurrenceSchema.parse(spelled).timeZone).toBe("Europe/Berlin");
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
