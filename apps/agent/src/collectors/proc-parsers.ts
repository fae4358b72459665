/**
 * Pure parsers for the /proc files the host collector reads. Each takes the file's text and
 * returns plain numbers; no I/O here, so each is unit-tested against fixture strings.
 */

export interface CpuTimes {
  /** Jiffies spent idle or waiting for I/O. */
  idle: number;
  /** Jiffies spent doing anything else (user, nice, system, irq, softirq, steal). */
  busy: number;
}

/** /proc/stat: the aggregate `cpu` line and the number of `cpuN` lines (online logical CPUs). */
export function parseProcStat(text: string): { total: CpuTimes; cpuCount: number } {
  let total: CpuTimes | undefined;
  let cpuCount = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("cpu ")) {
      // user nice system idle iowait irq softirq steal guest guest_nice. guest and guest_nice are
      // already counted in user and nice, so they are left out to avoid counting them twice.
      const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
        .slice(4)
        .trim()
        .split(/\s+/)
        .map(Number);
      total = { idle: idle + iowait, busy: user + nice + system + irq + softirq + steal };
    } else if (/^cpu\d+\s/.test(line)) {
      cpuCount++;
    }
  }
  if (!total || !Number.isFinite(total.idle + total.busy)) throw new Error("/proc/stat: no aggregate cpu line");
  return { total, cpuCount };
}

/** /proc/meminfo in bytes. MemAvailable is estimated from free + buffers + cached on kernels before 3.14. */
export function parseMeminfo(text: string): { totalBytes: number; availableBytes: number } {
  const kb = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (m?.[1] && m[2]) kb.set(m[1], Number(m[2]));
  }
  const total = kb.get("MemTotal");
  if (total === undefined) throw new Error("/proc/meminfo: no MemTotal");
  const available =
    kb.get("MemAvailable") ?? (kb.get("MemFree") ?? 0) + (kb.get("Buffers") ?? 0) + (kb.get("Cached") ?? 0);
  return { totalBytes: total * 1024, availableBytes: Math.min(available, total) * 1024 };
}

/** /proc/loadavg: the 1-minute load average. */
export function parseLoadavg(text: string): number {
  const load1 = Number(text.trim().split(/\s+/)[0]);
  if (!Number.isFinite(load1)) throw new Error("/proc/loadavg: unreadable");
  return load1;
}

export interface ByteCounters {
  rx: number;
  tx: number;
}

/**
 * Interfaces left out of the host's network traffic: loopback, and the virtual devices that
 * hypervisors and container engines create per workload or per bridge (veth pairs, bridges,
 * taps, overlay and CNI devices). Traffic leaving the host crosses one of those AND a physical
 * NIC, so summing everything would count it two or three times; traffic between two workloads
 * on the same host never leaves it. Workload traffic is reported by the workloads' own samples.
 */
export const EXCLUDED_INTERFACE = /^(lo|veth|docker|br-|virbr|vnet|tap|tun|cni|flannel|cali|vxlan|kube-|lxc|podman)/;

/**
 * /proc/net/dev: cumulative received/transmitted bytes per counted interface. Read every tick
 * for the host and for every container: fields are scanned in place rather than split into
 * arrays, and left-out interfaces (a host's many veths) are skipped before their fields.
 */
export function parseNetDev(text: string): Map<string, ByteCounters> {
  const result = new Map<string, ByteCounters>();
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf("\n", start);
    const end = newline < 0 ? text.length : newline;
    const colon = text.indexOf(":", start);
    const lineStart = start;
    start = end + 1;
    if (colon < 0 || colon > end) continue;
    const name = text.slice(lineStart, colon).trim();
    if (!name || EXCLUDED_INTERFACE.test(name)) continue;
    // rx: bytes packets errs drop fifo frame compressed multicast | tx: bytes packets ...
    const rx = nthField(text, colon + 1, end, 0);
    const tx = nthField(text, colon + 1, end, 8);
    if (rx === undefined || tx === undefined) continue;
    result.set(name, { rx, tx });
  }
  return result;
}

/** The `n`th (0-based) whitespace-separated whole number in text[from, to), or undefined. */
function nthField(text: string, from: number, to: number, n: number): number | undefined {
  let field = -1;
  let i = from;
  while (i < to) {
    while (i < to && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
    if (i >= to) return undefined;
    field++;
    if (field === n) {
      let value = 0;
      const first = i;
      for (let c = text.charCodeAt(i); i < to && c >= 48 && c <= 57; c = text.charCodeAt(++i))
        value = value * 10 + c - 48;
      const next = i < to ? text.charCodeAt(i) : 32;
      return i > first && (next === 32 || next === 9 || next === 13) ? value : undefined;
    }
    while (i < to && text.charCodeAt(i) !== 32 && text.charCodeAt(i) !== 9) i++;
  }
  return undefined;
}

/**
 * Block devices left out of disk I/O: loop and RAM disks (not disks), and stacked devices
 * (device-mapper/LVM, md RAID) whose I/O is already counted on the disks underneath.
 */
const EXCLUDED_DISK = /^(loop|ram|zram|dm-|md)/;

/**
 * /proc/diskstats: cumulative bytes read/written per whole disk. Sectors are always 512 bytes
 * in this file, whatever the device's sector size. A device is a partition when another listed
 * device is its parent: sda1 of sda, nvme0n1p2 of nvme0n1, mmcblk0p1 of mmcblk0.
 */
export function parseDiskstats(text: string): Map<string, ByteCounters> {
  const rows = new Map<string, ByteCounters>();
  for (const line of text.split("\n")) {
    // major minor name reads merged sectors_read ms_reading writes merged sectors_written ...
    const fields = line.trim().split(/\s+/);
    const name = fields[2];
    if (!name || fields.length < 10 || EXCLUDED_DISK.test(name)) continue;
    const read = Number(fields[5]);
    const written = Number(fields[9]);
    if (!Number.isFinite(read) || !Number.isFinite(written)) continue;
    rows.set(name, { rx: read * 512, tx: written * 512 });
  }
  for (const name of [...rows.keys()]) {
    const m = /^(.*?)p?\d+$/.exec(name);
    if (m?.[1] && m[1] !== name && isPartitionOf(name, m[1], rows)) rows.delete(name);
  }
  return rows;
}

function isPartitionOf(name: string, stem: string, rows: Map<string, ByteCounters>): boolean {
  // Try every split point: "nvme0n1p2" -> "nvme0n1", "sda1" -> "sda", "mmcblk0p1" -> "mmcblk0".
  for (let i = stem.length; i < name.length; i++) {
    const parent = name.slice(0, i);
    const suffix = name.slice(i);
    if (rows.has(parent) && /^p?\d+$/.test(suffix)) return true;
  }
  return false;
}

/** /proc/cpuinfo: model name (x86 "model name", ARM "Hardware"/"Processor"/"CPU part") and logical CPUs. */
export function parseCpuinfo(text: string): { model: string | undefined; processors: number } {
  let model: string | undefined;
  let processors = 0;
  for (const line of text.split("\n")) {
    const m = /^([^:]+?)\s*:\s*(.*)$/.exec(line);
    if (!m?.[1]) continue;
    const [key, value = ""] = [m[1].trim(), m[2]?.trim()];
    if (key === "processor") processors++;
    if (!model && value && (key === "model name" || key === "Hardware" || key === "Processor" || key === "cpu model")) {
      model = value;
    }
  }
  return { model, processors };
}

/** /etc/os-release: PRETTY_NAME, else NAME VERSION. */
export function parseOsRelease(text: string): string | undefined {
  const vars = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) vars.set(m[1], m[2].replace(/^(["'])(.*)\1$/, "$2"));
  }
  const pretty = vars.get("PRETTY_NAME");
  if (pretty) return pretty;
  const name = vars.get("NAME");
  return name ? [name, vars.get("VERSION")].filter(Boolean).join(" ") : undefined;
}
