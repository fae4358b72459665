/**
 * Lines of a followed container log or a build's output, as the log panels keep them: capped
 * (the oldest go first), each with its stream and the timestamp the engine put in front of it
 * (`docker logs --timestamps`). Pure functions over immutable state.
 */

export type LogStream = "stdout" | "stderr";

export interface LogLine {
  /** Position in everything received, for stable React keys while old lines drop off. */
  seq: number;
  stream: LogStream;
  /** The engine's RFC 3339 timestamp as written, or null. */
  stamp: string | null;
  /** `stamp` in ms since the epoch, or null. */
  ts: number | null;
  text: string;
}

export interface LogState {
  lines: readonly LogLine[];
  /** seq of the next line. */
  nextSeq: number;
  /** Lines dropped off the front to stay under the cap. */
  dropped: number;
  /** Lines stamped before this (ms) are repeats of what a resumed stream already had. */
  minTs: number | null;
}

export const MAX_LOG_LINES = 5_000;
export const EMPTY_LOG: LogState = { lines: [], nextSeq: 0, dropped: 0, minTs: null };

const STAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))(?: |$)/;

/** "2025-01-01T10:00:00.123456789Z GET /" -> the stamp, its time and "GET /". */
export function splitTimestamp(raw: string): { stamp: string | null; ts: number | null; text: string } {
  const m = STAMP.exec(raw);
  if (!m?.[1]) return { stamp: null, ts: null, text: raw };
  const ts = Date.parse(m[1]);
  if (!Number.isFinite(ts)) return { stamp: null, ts: null, text: raw };
  return { stamp: m[1], ts, text: raw.slice(m[0].length) };
}

export function appendLog(
  state: LogState,
  stream: LogStream,
  raw: readonly string[],
  cap: number = MAX_LOG_LINES,
): LogState {
  const added: LogLine[] = [];
  let seq = state.nextSeq;
  for (const line of raw) {
    const { stamp, ts, text } = splitTimestamp(line);
    if (state.minTs !== null && ts !== null && ts < state.minTs) continue;
    added.push({ seq, stream, stamp, ts, text });
    seq += 1;
  }
  if (added.length === 0) return state;
  const all = state.lines.concat(added);
  const over = Math.max(0, all.length - cap);
  return { ...state, lines: over > 0 ? all.slice(over) : all, nextSeq: seq, dropped: state.dropped + over };
}

/**
 * Where a resumed `container.logs` should start: just after the newest stamped line, or
 * `fallback` (when the pause began) when no line carried a stamp. Also marks the state so
 * that lines the engine sends again (its `since` is coarse) are not shown twice.
 */
export function prepareResume(state: LogState, fallback: number): { state: LogState; since: number } {
  let last: number | null = null;
  for (let i = state.lines.length - 1; i >= 0 && last === null; i--) last = state.lines[i]?.ts ?? null;
  const since = last === null ? fallback : last + 1;
  return { state: { ...state, minTs: since }, since };
}

/** Lines containing `query` (case-insensitive); all of them for an empty query. */
export function filterLog(lines: readonly LogLine[], query: string): readonly LogLine[] {
  const q = query.trim().toLowerCase();
  if (!q) return lines;
  return lines.filter((l) => l.text.toLowerCase().includes(q) || (l.stamp?.toLowerCase().includes(q) ?? false));
}

/** The text of a .log file: one line each, as `docker logs` prints them. */
export function logFileText(lines: readonly LogLine[], withTimestamps: boolean): string {
  if (lines.length === 0) return "";
  return `${lines.map((l) => (withTimestamps && l.stamp ? `${l.stamp} ${l.text}` : l.text)).join("\n")}\n`;
}

/** A file name for a download: "web-1-2025-01-01T10-00-00.log". */
export function logFileName(base: string, now: Date = new Date()): string {
  const safe = base.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^-+|-+$/g, "") || "logs";
  return `${safe}-${now.toISOString().slice(0, 19).replaceAll(":", "-")}.log`;
}
