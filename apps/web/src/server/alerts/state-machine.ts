/**
 * The life of one alert (a rule about one subject), as a pure function: given what is open now
 * and whether the condition holds, what happens next. pending -> firing after the hold;
 * firing -> resolved when the condition clears; a pending alert that clears never fired and
 * is closed quietly; a firing one is notified again every repeat interval.
 */
export interface OpenAlert {
  state: "pending" | "firing";
  /** When the condition started to hold (ms). */
  startedAt: number;
  lastNotifiedAt: number | null;
}

export type AlertStep =
  | { action: "none" }
  | { action: "open"; state: "pending" | "firing" }
  | { action: "fire" }
  | { action: "clear" }
  | { action: "resolve" }
  | { action: "repeat" };

export interface StepTiming {
  holdSeconds: number;
  repeatIntervalSeconds: number;
}

export function stepAlert(open: OpenAlert | null, breaching: boolean, now: number, timing: StepTiming): AlertStep {
  const holdMs = timing.holdSeconds * 1000;
  if (!open) {
    if (!breaching) return { action: "none" };
    return { action: "open", state: holdMs === 0 ? "firing" : "pending" };
  }
  if (!breaching) return open.state === "pending" ? { action: "clear" } : { action: "resolve" };
  if (open.state === "pending") return now - open.startedAt >= holdMs ? { action: "fire" } : { action: "none" };
  const due = open.lastNotifiedAt === null || now - open.lastNotifiedAt >= timing.repeatIntervalSeconds * 1000;
  return due ? { action: "repeat" } : { action: "none" };
}
