/**
 * The value forms of a compose file (ports, volumes, sizes, command lines) turned into the
 * protocol's shapes. Each parser throws a plain Error with a message for people; the service
 * parser prefixes it with where it was found.
 */

import type { containerPortSchema, containerVolumeSchema, restartPolicySchema } from "@flotilla/protocol";
import type { z } from "zod";

type Port = z.input<typeof containerPortSchema>;
type Volume = z.input<typeof containerVolumeSchema>;
type RestartPolicy = z.input<typeof restartPolicySchema>;

const PORT_RANGE = /^(\d+)(?:-(\d+))?$/;

/**
 * Short syntax: "80", "8080:80", "127.0.0.1:8080:80", "127.0.0.1::80", "[::1]:8080:80/udp",
 * "8000-8001:80-81"; or the long syntax {target, published, host_ip, protocol}.
 */
export function parsePorts(value: unknown): Port[] {
  if (typeof value === "number") return parsePortString(String(value));
  if (typeof value === "string") return parsePortString(value);
  if (value && typeof value === "object" && !Array.isArray(value))
    return [parseLongPort(value as Record<string, unknown>)];
  throw new Error('must be a string like "127.0.0.1:8080:80/tcp" or a mapping with target');
}

function parsePortString(raw: string): Port[] {
  const [spec = "", protocol = "tcp", ...rest] = raw.trim().split("/");
  if (rest.length > 0 || (protocol !== "tcp" && protocol !== "udp"))
    throw new Error(`"${raw}": the protocol must be tcp or udp`);
  let hostIp: string | undefined;
  let remainder = spec;
  const bracketed = /^\[([0-9a-fA-F:.]+)\]:(.*)$/.exec(spec);
  if (bracketed) {
    hostIp = bracketed[1];
    remainder = bracketed[2] ?? "";
  }
  const parts = remainder.split(":");
  if (!bracketed && parts.length === 3) hostIp = parts.shift();
  if (parts.length > 2 || (bracketed && parts.length !== 2)) throw new Error(`"${raw}" is not a port mapping`);
  const containerPart = parts.pop() ?? "";
  const hostPart = parts.pop() ?? "";
  const container = portRange(containerPart, raw);
  const host = hostPart === "" ? null : portRange(hostPart, raw);
  if (host && host.length !== container.length) {
    throw new Error(`"${raw}": the host and container port ranges differ in length`);
  }
  return container.map((containerPort, i) => ({
    ...(hostIp ? { hostIp } : {}),
    ...(host ? { hostPort: host[i] } : {}),
    containerPort,
    protocol: protocol as "tcp" | "udp",
  }));
}

function portRange(text: string, raw: string): number[] {
  const match = PORT_RANGE.exec(text);
  if (!match) throw new Error(`"${raw}" is not a port mapping`);
  const first = Number(match[1]);
  const last = match[2] === undefined ? first : Number(match[2]);
  if (first < 1 || last > 65535 || last < first || last - first > 1000) throw new Error(`"${raw}": bad port range`);
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

function parseLongPort(p: Record<string, unknown>): Port {
  const target = Number(p.target);
  if (!Number.isInteger(target)) throw new Error("a long-form port needs a numeric target");
  const published = p.published === undefined || p.published === "" ? undefined : Number(p.published);
  const protocol = p.protocol ?? "tcp";
  if (protocol !== "tcp" && protocol !== "udp") throw new Error("the protocol must be tcp or udp");
  return {
    ...(typeof p.host_ip === "string" ? { hostIp: p.host_ip } : {}),
    ...(published === undefined ? {} : { hostPort: published }),
    containerPort: target,
    protocol,
  };
}

/** "data:/var/lib/x", "/srv/x:/x:ro", or {type, source, target, read_only}. Null: an anonymous volume. */
export function parseVolume(value: unknown): Volume | null {
  if (typeof value === "string") {
    const parts = value.split(":");
    if (parts.length === 1) return null;
    const [source = "", target = "", mode = "rw", ...rest] = parts;
    if (rest.length > 0 || !["ro", "rw", "z", "Z"].includes(mode)) throw new Error(`"${value}" is not a volume`);
    return checkSource({ source, target, readOnly: mode === "ro" });
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    if (v.type !== undefined && v.type !== "volume" && v.type !== "bind")
      throw new Error(`type ${String(v.type)} is not supported`);
    if (typeof v.target !== "string") throw new Error("a long-form volume needs a target");
    if (v.source === undefined) return null;
    return checkSource({ source: String(v.source), target: v.target, readOnly: v.read_only === true });
  }
  throw new Error('must be a string like "data:/path" or a mapping with source and target');
}

function checkSource(volume: Volume): Volume {
  if (volume.source.startsWith(".") || volume.source.startsWith("~")) {
    throw new Error(`"${volume.source}": relative bind mounts need the compose file's directory; use an absolute path`);
  }
  return volume;
}

/** "no" (or false), "always", "unless-stopped", "on-failure", "on-failure:5". */
export function parseRestart(value: unknown): RestartPolicy {
  if (value === false || value === "no") return { name: "no" };
  if (value === "always" || value === "unless-stopped") return { name: value };
  const failure = typeof value === "string" ? /^on-failure(?::(\d+))?$/.exec(value) : null;
  if (failure) return failure[1] ? { name: "on-failure", maxRetries: Number(failure[1]) } : { name: "on-failure" };
  throw new Error(`${JSON.stringify(value)} is not one of no, always, unless-stopped, on-failure[:N]`);
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i;
const UNIT: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Compose byte values: 536870912, "512m", "1.5g", "256MiB" (binary multiples, as Docker reads them). */
export function parseBytes(value: unknown): number {
  const match = SIZE.exec(String(value).trim());
  if (!match) throw new Error(`${JSON.stringify(value)} is not a size like 512m or 2g`);
  const unit = (match[2] ?? "b").charAt(0).toLowerCase();
  return Math.round(Number(match[1]) * (UNIT[unit] ?? 1));
}

export function parseCpus(value: unknown): number {
  const cpus = typeof value === "number" ? value : Number(String(value).trim());
  if (!Number.isFinite(cpus) || cpus <= 0) throw new Error(`${JSON.stringify(value)} is not a CPU count like 0.5`);
  return cpus;
}

/**
 * A command given as one string is split like a POSIX shell would split words (quotes and
 * backslashes), as compose does; it is never run through a shell.
 */
export function splitCommand(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => String(v));
  if (typeof value !== "string") throw new Error("must be a string or a list of strings");
  const words: string[] = [];
  let word: string | null = null;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charAt(i);
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === "\\" && quote === '"' && i + 1 < value.length) word += value.charAt(++i);
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      word ??= "";
    } else if (ch === "\\" && i + 1 < value.length) {
      word = (word ?? "") + value.charAt(++i);
    } else if (/\s/.test(ch)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? "") + ch;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote`);
  if (word !== null) words.push(word);
  return words;
}

/** Environment and labels: a mapping, or a list of "KEY=value". A key without a value is returned as null. */
export function parseKeyValues(value: unknown): Array<[string, string | null]> {
  if (Array.isArray(value)) {
    return value.map((item) => {
      const text = String(item);
      const eq = text.indexOf("=");
      return eq < 0 ? [text, null] : [text.slice(0, eq), text.slice(eq + 1)];
    });
  }
  if (value && typeof value === "object") {
    return Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k,
      v === null || v === undefined ? null : String(v),
    ]);
  }
  throw new Error("must be a mapping or a list of KEY=value");
}
