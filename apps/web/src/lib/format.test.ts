import { describe, expect, it } from "vitest";
import {
  formatBytes,
  formatBytesPerSecond,
  formatCores,
  formatCount,
  formatDateTime,
  formatPercent,
  formatPort,
  formatRelativeTime,
} from "./format";

describe("formatBytes", () => {
  it("keeps small values in bytes", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1023)).toBe("1023 B");
  });

  it("uses binary units with three significant figures", () => {
    expect(formatBytes(1536)).toBe("1.50 KiB");
    expect(formatBytes(16 * 1024 ** 3)).toBe("16.0 GiB");
    expect(formatBytes(256 * 1024 ** 3)).toBe("256 GiB");
    expect(formatBytes(3.5 * 1024 ** 4)).toBe("3.50 TiB");
  });

  it("moves to the next unit instead of printing 1024 of a smaller one", () => {
    expect(formatBytes(1023.9 * 1024)).toBe("1.00 MiB");
  });

  it("shows a dash for missing values", () => {
    expect(formatBytes(null)).toBe("—");
    expect(formatBytes(undefined)).toBe("—");
    expect(formatBytes(Number.NaN)).toBe("—");
  });
});

describe("formatBytesPerSecond", () => {
  it("appends /s", () => {
    expect(formatBytesPerSecond(0)).toBe("0 B/s");
    expect(formatBytesPerSecond(2.5 * 1024 * 1024)).toBe("2.50 MiB/s");
    expect(formatBytesPerSecond(null)).toBe("—");
  });
});

describe("formatPercent", () => {
  it("formats a ratio with one decimal by default", () => {
    expect(formatPercent(0.1234)).toBe("12.3%");
    expect(formatPercent(0)).toBe("0.0%");
    expect(formatPercent(1)).toBe("100.0%");
  });

  it("honours the number of digits and keeps overcommit above 100%", () => {
    expect(formatPercent(0.5, 0)).toBe("50%");
    expect(formatPercent(1.25)).toBe("125.0%");
  });

  it("never prints negative zero", () => {
    expect(formatPercent(-0.00001)).toBe("0.0%");
  });

  it("shows a dash for missing values", () => {
    expect(formatPercent(null)).toBe("—");
    expect(formatPercent(Number.POSITIVE_INFINITY)).toBe("—");
  });
});

describe("formatCores and formatCount", () => {
  it("formats core counts compactly", () => {
    expect(formatCores(0)).toBe("0");
    expect(formatCores(3.456)).toBe("3.46");
    expect(formatCores(12.34)).toBe("12.3");
    expect(formatCores(8, { trim: true })).toBe("8");
    expect(formatCores(0.5, { trim: true })).toBe("0.5");
    expect(formatCores(12.04, { trim: true })).toBe("12");
    expect(formatCores(3.456, { trim: true })).toBe("3.46");
    expect(formatCores(128)).toBe("128");
    expect(formatCores(18826.4)).toBe("18,826");
  });

  it("groups thousands", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(1000)).toBe("1,000");
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(formatCount(null)).toBe("—");
  });
});

describe("formatRelativeTime", () => {
  const now = Date.UTC(2025, 10, 29, 12, 0, 0);

  it("says just now for the last few seconds", () => {
    expect(formatRelativeTime(now - 2_000, now)).toBe("just now");
    expect(formatRelativeTime(now, now)).toBe("just now");
  });

  it("picks the largest whole unit", () => {
    expect(formatRelativeTime(now - 42_000, now)).toBe("42s ago");
    expect(formatRelativeTime(now - 5 * 60_000, now)).toBe("5m ago");
    expect(formatRelativeTime(now - 3 * 3_600_000 - 59_000, now)).toBe("3h ago");
    expect(formatRelativeTime(now - 2 * 86_400_000, now)).toBe("2d ago");
    expect(formatRelativeTime(now - 90 * 86_400_000, now)).toBe("3mo ago");
    expect(formatRelativeTime(now - 800 * 86_400_000, now)).toBe("2y ago");
  });

  it("accepts ISO strings and Dates", () => {
    expect(formatRelativeTime(new Date(now - 60_000).toISOString(), now)).toBe("1m ago");
    expect(formatRelativeTime(new Date(now - 60_000), now)).toBe("1m ago");
  });

  it("handles the future and missing values", () => {
    expect(formatRelativeTime(now + 5 * 60_000, now)).toBe("in 5m");
    expect(formatRelativeTime(null, now)).toBe("never");
    expect(formatRelativeTime("not a date", now)).toBe("never");
  });
});

describe("formatDateTime", () => {
  it("prints a sortable local timestamp", () => {
    const d = new Date(2025, 0, 2, 3, 4, 5);
    expect(formatDateTime(d)).toBe("2025-01-02 03:04:05");
    expect(formatDateTime(null)).toBe("—");
  });
});

describe("formatPort", () => {
  it("reads like docker ps", () => {
    expect(formatPort({ hostIp: "0.0.0.0", hostPort: 8080, containerPort: 80, protocol: "tcp" })).toBe(
      "0.0.0.0:8080->80/tcp",
    );
    expect(formatPort({ hostPort: 5353, containerPort: 53, protocol: "udp" })).toBe("5353->53/udp");
    expect(formatPort({ hostIp: "::", hostPort: 443, containerPort: 443 })).toBe("[::]:443->443/tcp");
  });

  it("shows an unpublished port by itself", () => {
    expect(formatPort({ containerPort: 6379 })).toBe("6379/tcp");
    expect(formatPort({ hostPort: 0, containerPort: 6379, protocol: "tcp" })).toBe("6379/tcp");
  });
});
