import { describe, expect, it } from "vitest";
import {
  parseCpuinfo,
  parseDiskstats,
  parseLoadavg,
  parseMeminfo,
  parseNetDev,
  parseOsRelease,
  parseProcStat,
} from "./proc-parsers.js";

const PROC_STAT = `cpu  10132153 290696 3084719 46828483 16683 0 25195 0 175628 0
cpu0 1393280 32966 572056 13343292 6130 0 17875 0 23933 0
cpu1 1335398 30150 456981 13389904 5470 0 3474 0 24167 0
intr 1462898 0 0 0
ctxt 2244712
btime 1701234567
processes 12345
`;

describe("parseProcStat", () => {
  it("splits the aggregate line into busy and idle jiffies, leaving guest time out", () => {
    const { total, cpuCount } = parseProcStat(PROC_STAT);
    expect(total.idle).toBe(46828483 + 16683);
    expect(total.busy).toBe(10132153 + 290696 + 3084719 + 0 + 25195 + 0);
    expect(cpuCount).toBe(2);
  });

  it("rejects a file without the cpu line", () => {
    expect(() => parseProcStat("intr 1 2 3\n")).toThrow(/no aggregate cpu line/);
  });
});

describe("parseMeminfo", () => {
  it("reads MemTotal and MemAvailable in bytes", () => {
    const text =
      "MemTotal:       16303428 kB\nMemFree:         1234567 kB\nMemAvailable:   12000000 kB\nBuffers: 1 kB\n";
    expect(parseMeminfo(text)).toEqual({ totalBytes: 16303428 * 1024, availableBytes: 12000000 * 1024 });
  });

  it("estimates available memory on kernels without MemAvailable", () => {
    const text = "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 200 kB\n";
    expect(parseMeminfo(text).availableBytes).toBe(350 * 1024);
  });
});

describe("parseLoadavg", () => {
  it("returns the 1-minute load", () => {
    expect(parseLoadavg("0.52 0.58 0.59 1/389 12345\n")).toBe(0.52);
  });
});

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 9999999   10000    0    0    0     0          0         0  9999999   10000    0    0    0     0       0          0
  eth0: 1000000    2000    0    0    0     0          0         0   500000    1500    0    0    0     0       0          0
  eth1:    2000      20    0    0    0     0          0         0     3000      30    0    0    0     0       0          0
docker0: 7777777   100    0    0    0     0          0         0  7777777     100    0    0    0     0       0          0
veth1a2b: 555555   100    0    0    0     0          0         0   555555     100    0    0    0     0       0          0
 virbr0: 4444444   100    0    0    0     0          0         0  4444444     100    0    0    0     0       0          0
`;

describe("parseNetDev", () => {
  it("keeps physical interfaces and leaves out loopback, bridges and veths", () => {
    const result = parseNetDev(NET_DEV);
    expect([...result.keys()]).toEqual(["eth0", "eth1"]);
    expect(result.get("eth0")).toEqual({ rx: 1000000, tx: 500000 });
    expect(result.get("eth1")).toEqual({ rx: 2000, tx: 3000 });
  });

  it("skips lines with too few or unreadable fields, and reads a last line without a newline", () => {
    const text = "  eth0: 1 2 3\n  eth1: x 0 0 0 0 0 0 0 5 0\n  eth2: 7 0 0 0 0 0 0 0 9 0 0 0 0 0 0 0";
    expect([...parseNetDev(text)]).toEqual([["eth2", { rx: 7, tx: 9 }]]);
  });
});

const DISKSTATS = `   7       0 loop0 100 0 800 10 0 0 0 0 0 10 10 0 0 0 0
   1       0 ram0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
   8       0 sda 1000 10 20000 300 2000 20 40000 500 0 700 800 0 0 0 0
   8       1 sda1 900 10 18000 250 1900 20 39000 480 0 650 730 0 0 0 0
   8      16 sdb 10 0 100 1 0 0 0 0 0 1 1
 259       0 nvme0n1 5000 0 100000 900 6000 0 200000 1000 0 1500 1900 0 0 0 0
 259       1 nvme0n1p1 10 0 80 1 0 0 0 0 0 1 1 0 0 0 0
 259       2 nvme0n1p2 4990 0 99920 899 6000 0 200000 1000 0 1499 1899 0 0 0 0
 179       0 mmcblk0 10 0 64 1 1 0 8 1 0 1 2
 179       1 mmcblk0p1 10 0 64 1 1 0 8 1 0 1 2
 253       0 dm-0 4990 0 99920 899 6000 0 200000 1000 0 1499 1899 0 0 0 0
   9       0 md0 1 0 8 0 1 0 8 0 0 0 0
  11       0 sr0 1 0 8 0 0 0 0 0 0 0 0
`;

describe("parseDiskstats", () => {
  it("counts whole disks only, in bytes (512-byte sectors)", () => {
    const result = parseDiskstats(DISKSTATS);
    expect([...result.keys()].sort()).toEqual(["mmcblk0", "nvme0n1", "sda", "sdb", "sr0"]);
    expect(result.get("sda")).toEqual({ rx: 20000 * 512, tx: 40000 * 512 });
    expect(result.get("nvme0n1")).toEqual({ rx: 100000 * 512, tx: 200000 * 512 });
  });
});

describe("parseCpuinfo", () => {
  it("reads the x86 model name and counts processors", () => {
    const text =
      "processor\t: 0\nmodel name\t: AMD EPYC 7543 32-Core Processor\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 7543 32-Core Processor\n";
    expect(parseCpuinfo(text)).toEqual({ model: "AMD EPYC 7543 32-Core Processor", processors: 2 });
  });

  it("falls back to ARM fields", () => {
    expect(parseCpuinfo("processor : 0\nBogoMIPS : 50.00\n\nHardware : BCM2835\n").model).toBe("BCM2835");
  });
});

describe("parseOsRelease", () => {
  it("prefers PRETTY_NAME and strips quotes", () => {
    expect(parseOsRelease('NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n')).toBe(
      "Debian GNU/Linux 12 (bookworm)",
    );
  });

  it("falls back to NAME and VERSION", () => {
    expect(parseOsRelease("NAME=Alpine\nVERSION='3.20'\n")).toBe("Alpine 3.20");
  });
});
