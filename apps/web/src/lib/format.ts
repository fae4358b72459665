/**
 * Display formatting for the dashboard: sizes, rates, percentages and relative times.
 * Pure functions, no locale surprises: figures always use "." and binary (IEC) units,
 * as Proxmox and vCenter do for memory, so 16 GiB of RAM reads as "16 GiB".
 */

const EMPTY = "—";
const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"] as const;

function isFiniteNumber(value: number | null | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** Keeps three significant figures at most: 1.23, 12.3, 123. */
function toShortFixed(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function scaleBytes(bytes: number): { value: number; unit: (typeof BYTE_UNITS)[number] } {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  // Rounding 1023.7 up to "1024 KiB" reads badly: move to the next unit instead.
  if (Math.abs(value) >= 999.5 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return { value, unit: BYTE_UNITS[unit] ?? "B" };
}

/** 0 -> "0 B", 1536 -> "1.50 KiB", 17179869184 -> "16.0 GiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (!isFiniteNumber(bytes)) return EMPTY;
  if (Math.abs(bytes) < 1024) return `${Math.round(bytes)} B`;
  const { value, unit } = scaleBytes(bytes);
  return `${toShortFixed(value)} ${unit}`;
}

/** A byte rate: 2_400_000 -> "2.29 MiB/s". */
export function formatBytesPerSecond(bytesPerSecond: number | null | undefined): string {
  if (!isFiniteNumber(bytesPerSecond)) return EMPTY;
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** A 0..1 ratio as a percentage: 0.1234 -> "12.3%". Values above 1 are kept (overcommit). */
export function formatPercent(ratio: number | null | undefined, fractionDigits = 1): string {
  if (!isFiniteNumber(ratio)) return EMPTY;
  const percent = ratio * 100;
  // Avoid "-0.0%" from tiny negative noise.
  const rounded = Number(percent.toFixed(fractionDigits));
  return `${(Object.is(rounded, -0) ? 0 : rounded).toFixed(fractionDigits)}%`;
}

/**
 * Cores in use: 3.456 -> "3.46", 12.34 -> "12.3". With `trim`, trailing zeros go, as for an
 * allocation: 8 -> "8", 0.5 -> "0.5".
 */
export function formatCores(cores: number | null | undefined, options: { trim?: boolean } = {}): string {
  if (!isFiniteNumber(cores)) return EMPTY;
  if (cores === 0) return "0";
  if (Math.abs(cores) >= 1000) return formatCount(cores);
  const fixed = toShortFixed(cores);
  return options.trim && fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

/** A plain count with thousands separators: 12345 -> "12,345". */
export function formatCount(value: number | null | undefined): string {
  if (!isFiniteNumber(value)) return EMPTY;
  return Math.round(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

type TimeInput = string | number | Date | null | undefined;

function toEpochMs(value: TimeInput): number | null {
  if (value === null || value === undefined) return null;
  const ms = value instanceof Date ? value.getTime() : typeof value === "number" ? value : Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

const RELATIVE_STEPS: ReadonlyArray<{ limitSeconds: number; divisor: number; suffix: string }> = [
  { limitSeconds: 60, divisor: 1, suffix: "s" },
  { limitSeconds: 3600, divisor: 60, suffix: "m" },
  { limitSeconds: 86_400, divisor: 3600, suffix: "h" },
  { limitSeconds: 86_400 * 30, divisor: 86_400, suffix: "d" },
  { limitSeconds: 86_400 * 365, divisor: 86_400 * 30, suffix: "mo" },
  { limitSeconds: Number.POSITIVE_INFINITY, divisor: 86_400 * 365, suffix: "y" },
];

/**
 * A compact relative time, as operators read it in a table: "just now", "42s ago",
 * "5m ago", "3h ago", "2d ago"; "in 5m" for the future; "never" for no value.
 */
export function formatRelativeTime(value: TimeInput, now: number = Date.now()): string {
  const ms = toEpochMs(value);
  if (ms === null) return "never";
  const deltaSeconds = Math.round((now - ms) / 1000);
  const abs = Math.abs(deltaSeconds);
  if (abs < 5) return "just now";
  const step = RELATIVE_STEPS.find((s) => abs < s.limitSeconds) ?? RELATIVE_STEPS[RELATIVE_STEPS.length - 1];
  if (!step) return "never";
  const amount = Math.floor(abs / step.divisor);
  return deltaSeconds >= 0 ? `${amount}${step.suffix} ago` : `in ${amount}${step.suffix}`;
}

/** An absolute timestamp for tooltips: "2025-11-29 14:03:07" in the viewer's time zone. */
export function formatDateTime(value: TimeInput): string {
  const ms = toEpochMs(value);
  if (ms === null) return EMPTY;
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A published port as `docker ps` shows it: "0.0.0.0:8080->80/tcp", or "80/tcp" when not published. */
export function formatPort(port: {
  hostIp?: string | undefined;
  hostPort?: number | undefined;
  containerPort: number;
  protocol?: string | undefined;
}): string {
  const inner = `${port.containerPort}/${port.protocol ?? "tcp"}`;
  if (!port.hostPort) return inner;
  const ip = port.hostIp ? (port.hostIp.includes(":") ? `[${port.hostIp}]` : port.hostIp) : "";
  return `${ip ? `${ip}:` : ""}${port.hostPort}->${inner}`;
}
