/**
 * Wall-clock time in an IANA time zone, with Intl only: a weekly window "Mondays 09:00
 * Europe/Berlin" opens at 07:00 UTC in summer and 08:00 UTC in winter.
 */

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The zone's canonical IANA name ("europe/berlin" -> "Europe/Berlin"), or null when unknown. */
export function canonicalTimeZone(name: string): string | null {
  try {
    // Not cached: names come from users, and only canonical ones are stored and looked up later.
    return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** The wall-clock date and time at `instant` in `timeZone`. */
export function wallClock(instant: number, timeZone: string) {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(instant))
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    minuteOfDay: (parts.hour ?? 0) * 60 + (parts.minute ?? 0),
    second: parts.second ?? 0,
  };
}

/** How far `timeZone` is ahead of UTC at `instant`, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, 0, w.minuteOfDay, w.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant the wall clock in `timeZone` shows `minuteOfDay` on the given local date. A time
 * skipped by a daylight-saving jump maps to the same distance past the jump; a repeated one to
 * its first occurrence.
 */
export function instantOf(
  date: { year: number; month: number; day: number },
  minuteOfDay: number,
  timeZone: string,
): number {
  const asUtc = Date.UTC(date.year, date.month - 1, date.day, 0, minuteOfDay);
  // The offsets a day before and a day after both yield a candidate (clocks change at most once
  // a day): keep those whose wall clock reads what was asked, the earlier when the hour repeats;
  // none does in a skipped hour, and the later candidate is then the same distance past the jump.
  const first = asUtc - offsetAt(asUtc - DAY_MS, timeZone);
  const second = asUtc - offsetAt(asUtc + DAY_MS, timeZone);
  const shows = (instant: number) => {
    const w = wallClock(instant, timeZone);
    return w.year === date.year && w.month === date.month && w.day === date.day && w.minuteOfDay === minuteOfDay;
  };
  const valid = [first, second].filter(shows);
  return valid.length > 0 ? Math.min(...valid) : Math.max(first, second);
}

/** The local date `days` before `date` (calendar arithmetic, no time zone involved). */
export function daysBefore(date: { year: number; month: number; day: number }, days: number) {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day - days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay() };
}
