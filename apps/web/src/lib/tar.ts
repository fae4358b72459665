/**
 * A minimal POSIX ustar writer for image build contexts: regular files only (Docker creates
 * the directories a path needs), names split into prefix/name when longer than 100 bytes.
 * Runs in the browser; no dependency.
 */

export interface TarEntry {
  /** A relative path inside the archive, "/"-separated: "Dockerfile", "app/index.html". */
  name: string;
  data: Uint8Array;
  /** Permission bits; 0o644 by default. */
  mode?: number;
  /** Modification time, ms since the epoch; now by default. */
  mtimeMs?: number;
}

const BLOCK = 512;
const encoder = new TextEncoder();

/** Checks a path is safe to put in a build context and returns it normalised ("./a//b" -> "a/b"). */
export function normaliseTarPath(name: string): string {
  const parts = name
    .replaceAll("\\", "/")
    .split("/")
    .filter((p) => p !== "" && p !== ".");
  if (parts.length === 0) throw new Error("A file in the build context has no name.");
  if (name.startsWith("/")) throw new Error(`"${name}" must be a relative path.`);
  if (parts.includes("..")) throw new Error(`"${name}" must not contain "..".`);
  return parts.join("/");
}

/** Splits a UTF-8 path into ustar's name (≤ 100 bytes) and prefix (≤ 155 bytes) fields. */
function splitName(path: string): { name: Uint8Array; prefix: Uint8Array } {
  const bytes = encoder.encode(path);
  if (bytes.length <= 100) return { name: bytes, prefix: new Uint8Array(0) };
  // Split at a "/" so that both halves fit; the prefix as long as possible.
  for (let i = Math.min(bytes.length - 1, 155); i > 0; i--) {
    if (bytes[i] !== 0x2f) continue;
    const prefix = bytes.subarray(0, i);
    const name = bytes.subarray(i + 1);
    if (name.length > 0 && name.length <= 100) return { name, prefix };
  }
  throw new Error(`"${path}" is too long for a tar archive (at most 255 bytes, 100 after the last folder).`);
}

function writeOctal(block: Uint8Array, offset: number, width: number, value: number) {
  // width - 1 octal digits, zero-padded, then NUL.
  const digits = Math.floor(value)
    .toString(8)
    .padStart(width - 1, "0");
  if (digits.length > width - 1) throw new Error(`The value ${value} does not fit a tar header field.`);
  block.set(encoder.encode(digits), offset);
  block[offset + width - 1] = 0;
}

function header(path: string, size: number, mode: number, mtimeMs: number): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const { name, prefix } = splitName(path);
  block.set(name, 0);
  writeOctal(block, 100, 8, mode & 0o7777);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, Math.floor(mtimeMs / 1000));
  block.fill(0x20, 148, 156); // checksum counted as spaces
  block[156] = 0x30; // "0": regular file
  block.set(encoder.encode("ustar\u000000"), 257); // magic "ustar\0", version "00"
  block.set(encoder.encode("root"), 265); // uname
  block.set(encoder.encode("root"), 297); // gname
  block.set(prefix, 345);
  let sum = 0;
  for (const byte of block) sum += byte;
  // Six octal digits, NUL, space: what GNU and BSD tar write.
  block.set(encoder.encode(sum.toString(8).padStart(6, "0")), 148);
  block[154] = 0;
  block[155] = 0x20;
  return block;
}

/** The archive for `entries`, in order. Throws on unsafe, duplicate or over-long names. */
export function packTar(entries: readonly TarEntry[], now: number = Date.now()): Uint8Array {
  const seen = new Set<string>();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const entry of entries) {
    const path = normaliseTarPath(entry.name);
    if (seen.has(path)) throw new Error(`"${path}" is in the build context twice.`);
    seen.add(path);
    const head = header(path, entry.data.length, entry.mode ?? 0o644, entry.mtimeMs ?? now);
    const padded = Math.ceil(entry.data.length / BLOCK) * BLOCK;
    parts.push(head, entry.data);
    if (padded > entry.data.length) parts.push(new Uint8Array(padded - entry.data.length));
    total += BLOCK + padded;
  }
  // Two zero blocks end the archive.
  parts.push(new Uint8Array(BLOCK * 2));
  total += BLOCK * 2;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
