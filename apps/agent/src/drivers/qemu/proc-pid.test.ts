import { describe, expect, it } from "vitest";
import { isQemuFor, parseBootTime, parsePidStat, parseVmRss, processStartMs } from "./proc-pid.js";

// A QEMU's /proc/PID/stat; utime 1234 and stime 56 ticks, started 216604 ticks after boot.
const STAT =
  "9839 (qemu-system-x86) S 1 9838 9838 0 -1 4194624 25 0 0 0 1234 56 0 0 20 0 3 0 216604 1342177280 41000 " +
  "18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0";
const UUID = "11111111-2222-3333-4444-555555555555";

describe("parsePidStat", () => {
  it("reads state, CPU time and start time", () => {
    expect(parsePidStat(STAT)).toEqual({ state: "S", cpuTicks: 1290, startTicks: 216604 });
  });

  it("counts fields after the last parenthesis, whatever the command name holds", () => {
    const tricky = STAT.replace("(qemu-system-x86)", "(a) b (c)");
    expect(parsePidStat(tricky).cpuTicks).toBe(1290);
  });

  it("sees a zombie", () => expect(parsePidStat(STAT.replace(") S ", ") Z ")).state).toBe("Z"));

  it("refuses garbage", () => expect(() => parsePidStat("nonsense")).toThrow());
});

describe("other /proc files", () => {
  it("reads VmRSS in bytes", () => expect(parseVmRss("Name:\tqemu\nVmRSS:\t    2016 kB\n")).toBe(2016 * 1024));

  it("turns start ticks into epoch milliseconds", () => {
    const btime = parseBootTime("cpu  1 2 3\nbtime 1795912105\nprocesses 9\n");
    expect(btime).toBe(1795912105);
    expect(processStartMs(parsePidStat(STAT), btime)).toBe(1795912105_000 + 2_166_040);
  });

  it("recognises our QEMU by its -uuid argument, and nothing else", () => {
    const argv = ["/usr/bin/qemu-system-x86_64", "-name", "guest=a", "-uuid", UUID, "-m", "128"];
    expect(isQemuFor(`${argv.join("\0")}\0`, UUID)).toBe(true);
    expect(isQemuFor(`${argv.join("\0")}\0`, UUID.replace("1111", "9999"))).toBe(false);
    expect(isQemuFor(["/bin/sleep", "-uuid", UUID].join("\0"), UUID)).toBe(false);
    expect(isQemuFor("", UUID)).toBe(false);
  });
});
