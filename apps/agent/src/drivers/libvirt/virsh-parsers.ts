/**
 * Pure parsers for the virsh output the libvirt driver reads. Only machine-oriented output is
 * used (`list --uuid --name`, `domstats --raw`, `event`), never the translated, human-oriented
 * tables of `dominfo` or `domstate`, so a host's locale cannot break them.
 */
import type { Workload } from "@flotilla/protocol";
import type { ByteCounters } from "../../collectors/proc-parsers.js";

/** `virsh list --all --uuid --name`: "<uuid> <name>" per line. */
export function parseUuidNameList(text: string): Map<string, string> {
  const byName = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^\s*([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\s+(.+?)\s*$/i.exec(line);
    if (m?.[1] && m[2]) byName.set(m[2], m[1].toLowerCase());
  }
  return byName;
}

/** `virsh domstats --raw`: per domain name, its `key=value` lines. */
export function parseDomstats(text: string): Map<string, Map<string, string>> {
  const domains = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const line of text.split("\n")) {
    const header = /^Domain: '(.*)'\s*$/.exec(line);
    if (header?.[1] !== undefined) {
      current = new Map();
      domains.set(header[1], current);
      continue;
    }
    const eq = line.indexOf("=");
    if (current && eq > 0) current.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return domains;
}

/** libvirt's virDomainState numbers (domstats `state.state`) in the protocol's words. */
export function stateFromLibvirt(state: number): Workload["state"] {
  switch (state) {
    case 1: // running
    case 2: // blocked on a resource: still running
      return "running";
    case 3: // paused
    case 7: // suspended by guest power management
      return "paused";
    case 4: // being shut down
    case 5: // shut off
      return "stopped";
    case 6: // crashed
      return "dead";
    default:
      return "unknown";
  }
}

/** What one domain's stats say, in plain numbers (bytes, nanoseconds). */
export interface DomainStats {
  state: Workload["state"];
  /** CPU time of the domain's QEMU (all its threads), ns. */
  cpuTimeNs: number | undefined;
  vcpus: number | undefined;
  /** The guest's maximum memory (what it was defined with). */
  maxMemoryBytes: number | undefined;
  /** What the guest has now (balloon.current). */
  currentMemoryBytes: number | undefined;
  /** Memory the guest could use without swapping (balloon.usable), once its driver reports. */
  usableBytes: number | undefined;
  rssBytes: number | undefined;
  /** Disk source paths, in device order. */
  diskPaths: string[];
  /** rx = read, tx = written, per target device. */
  block: Map<string, ByteCounters>;
  /** Per interface, from the guest's point of view (libvirt already swaps a tap's directions). */
  net: Map<string, ByteCounters>;
}

function num(stats: Map<string, string>, key: string): number | undefined {
  const raw = stats.get(key);
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

const kib = (n: number | undefined) => (n === undefined ? undefined : n * 1024);

function indexed(
  stats: Map<string, string>,
  group: "block" | "net",
  rx: string,
  tx: string,
): Map<string, ByteCounters> {
  const result = new Map<string, ByteCounters>();
  const count = num(stats, `${group}.count`) ?? 0;
  for (let i = 0; i < count; i++) {
    const name = stats.get(`${group}.${i}.name`) ?? String(i);
    const r = num(stats, `${group}.${i}.${rx}`);
    const t = num(stats, `${group}.${i}.${tx}`);
    if (r !== undefined && t !== undefined) result.set(name, { rx: r, tx: t });
  }
  return result;
}

export function readDomainStats(stats: Map<string, string>): DomainStats {
  const diskPaths: string[] = [];
  for (let i = 0; i < (num(stats, "block.count") ?? 0); i++) {
    const path = stats.get(`block.${i}.path`);
    if (path) diskPaths.push(path);
  }
  // balloon.usable is only meaningful once the guest has reported (last-update > 0).
  const reported = (num(stats, "balloon.last-update") ?? 0) > 0;
  return {
    state: stateFromLibvirt(num(stats, "state.state") ?? 0),
    cpuTimeNs: num(stats, "cpu.time"),
    vcpus: num(stats, "vcpu.current"),
    maxMemoryBytes: kib(num(stats, "balloon.maximum")),
    currentMemoryBytes: kib(num(stats, "balloon.current")),
    usableBytes: reported ? kib(num(stats, "balloon.usable")) : undefined,
    rssBytes: kib(num(stats, "balloon.rss")),
    diskPaths,
    block: indexed(stats, "block", "rd.bytes", "wr.bytes"),
    net: indexed(stats, "net", "rx.bytes", "tx.bytes"),
  };
}

export interface LifecycleEvent {
  /** e.g. lifecycle, reboot, device-added. */
  event: string;
  domain: string;
  /** e.g. "Started Booted", "Suspended Paused", "Stopped Shutdown". */
  detail: string;
}

/** One line of `virsh event --all --loop --timestamp`; undefined for anything else. */
export function parseEventLine(line: string): LifecycleEvent | undefined {
  const m = /event '([^']+)' for domain '(.*)'(?::\s*(.*))?$/.exec(line.trim());
  if (!m?.[1] || m[2] === undefined) return undefined;
  return { event: m[1], domain: m[2], detail: (m[3] ?? "").trim() };
}

export interface DomainSnapshot {
  id: string;
  name: string;
  /** ms since the epoch. */
  createdAt: number;
  /** The domain's state when taken: "running" snapshots hold the guest's memory too. */
  domainState: string;
  withMemory: boolean;
  /** Unknown through virsh (0): the qemu driver's figure, kept for one shape of result. */
  vmStateBytes: number;
}

/**
 * `virsh snapshot-list DOMAIN`: a header, a rule, then "NAME  YYYY-MM-DD HH:MM:SS +ZZZZ  STATE"
 * rows (names have no spaces here: the protocol's snapshot names are [A-Za-z0-9._-]).
 */
export function parseSnapshotList(text: string): DomainSnapshot[] {
  const rows: DomainSnapshot[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*(\S+)\s+(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) ([+-]\d{2})(\d{2})\s+(\S+)\s*$/.exec(line);
    if (!m) continue;
    const [, name, day, time, zh, zm, state] = m as unknown as string[];
    const createdAt = Date.parse(`${day}T${time}${zh}:${zm}`);
    if (!name || Number.isNaN(createdAt)) continue;
    rows.push({
      id: name,
      name,
      createdAt,
      domainState: state ?? "",
      withMemory: state === "running" || state === "paused",
      vmStateBytes: 0,
    });
  }
  return rows;
}
