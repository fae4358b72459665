/**
 * Silences and maintenance windows, pure: does one cover an alert now? One-off windows run from
 * startsAt to endsAt; recurring ones open on the listed weekdays at startMinute of the wall clock
 * in their time zone (UTC unless named, daylight saving followed) for durationMinutes (a window
 * may run past midnight), between startsAt and endsAt.
 */
import { z } from "zod";
import { labelsMatch } from "./conditions.js";
import { canonicalTimeZone, daysBefore, instantOf, wallClock } from "./zoned-time.js";

export const recurrenceSchema = z.object({
  weekdays: z.array(z.number().int().min(0).max(6)).min(1).max(7),
  startMinute: z.number().int().min(0).max(1439),
  durationMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 1440),
  /** IANA name, e.g. "Europe/Berlin": weekdays and startMinute are read on that zone's clock. */
  timeZone: z
    .string()
    .max(64)
    .transform((name, ctx) => {
      const zone = canonicalTimeZone(name);
      if (zone) return zone;
      ctx.addIssue({ code: "custom", message: "unknown time zone: use an IANA name such as Europe/Berlin" });
      return z.NEVER;
    })
    .default("UTC"),
});
export type Recurrence = z.infer<typeof recurrenceSchema>;

export const matchersSchema = z.object({
  hostIds: z.array(z.string().min(1).max(100)).max(500).optional(),
  labels: z.record(z.string().min(1).max(100), z.string().max(200)).optional(),
  ruleIds: z.array(z.string().min(1).max(100)).max(100).optional(),
});
export type SilenceMatchers = z.infer<typeof matchersSchema>;

export interface SilenceData {
  id: string;
  teamId: string | null;
  matchers: SilenceMatchers;
  startsAt: Date;
  endsAt: Date | null;
  recurrence: Recurrence | null;
}

export interface SilenceTarget {
  ruleId: string;
  teamId: string | null;
  hostId: string | null;
  labels: Record<string, unknown>;
}

const MINUTE = 60_000;

export function isWindowOpen(s: Pick<SilenceData, "startsAt" | "endsAt" | "recurrence">, now: number): boolean {
  if (now < s.startsAt.getTime() || (s.endsAt && now >= s.endsAt.getTime())) return false;
  const r = s.recurrence;
  if (!r) return true;
  const timeZone = r.timeZone ?? "UTC";
  // Look back over as many days as the window may last (one more: a day can be 23 hours long):
  // a window opened on an earlier day may still run.
  const daysBack = Math.ceil(r.durationMinutes / 1440) + 1;
  const today = wallClock(now, timeZone);
  for (let d = 0; d <= daysBack; d++) {
    const day = daysBefore(today, d);
    if (!r.weekdays.includes(day.weekday)) continue;
    const opens = instantOf(day, r.startMinute, timeZone);
    if (now >= opens && now < opens + r.durationMinutes * MINUTE) return true;
  }
  return false;
}

export function silenceCovers(s: SilenceData, target: SilenceTarget, now: number): boolean {
  if (!isWindowOpen(s, now)) return false;
  if (s.teamId && s.teamId !== target.teamId) return false;
  const m = s.matchers;
  if (m.ruleIds?.length && !m.ruleIds.includes(target.ruleId)) return false;
  if (m.hostIds?.length && (!target.hostId || !m.hostIds.includes(target.hostId))) return false;
  return labelsMatch(m.labels, target.labels);
}
