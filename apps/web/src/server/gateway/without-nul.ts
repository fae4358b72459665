/** A JSON `\u0000` escape that is not itself escaped (an odd run of backslashes before the `u`). */
const NUL_ESCAPE = /(?<!\\)((?:\\\\)*)\\u0000/g;

/**
 * PostgreSQL text and jsonb cannot hold NUL, so a frame carrying one (a container's log line,
 * a hostile agent) would fail deep inside a write. It is stored with U+FFFD in its place instead:
 * nothing else of the frame is lost, and the database never sees the NUL.
 */
export function withoutNul(raw: string): string {
  return raw.includes("\\u0000") ? raw.replace(NUL_ESCAPE, "$1\\ufffd") : raw;
}
