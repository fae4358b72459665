/**
 * Reconnect delays: exponential backoff with full jitter (a uniformly random delay between 0 and
 * the exponential ceiling), so a fleet that lost its server does not reconnect in lockstep.
 */

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000 };

/** The ceiling for the given attempt (0-based): min(cap, base * 2^attempt). */
export function backoffCeiling(attempt: number, { baseMs, capMs }: BackoffOptions): number {
  return Math.min(capMs, baseMs * 2 ** Math.min(Math.max(0, attempt), 40));
}

/** A delay in [0, ceiling) for the given attempt. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeiling(attempt, options));
}
