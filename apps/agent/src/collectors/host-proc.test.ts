import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sampleSchema } from "@flotilla/protocol";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ProcHostCollector } from "./host-proc.js";

let root: string;
const write = async (path: string, text: string) => {
  await mkdir(join(root, path, ".."), { recursive: true });
  await writeFile(join(root, path), text);
};

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "flotilla-proc-"));
  await write("proc/meminfo", "MemTotal: 1000000 kB\nMemAvailable: 250000 kB\n");
  await write("proc/loadavg", "1.50 1.00 0.50 2/300 999\n");
  await write("proc/cpuinfo", "processor : 0\nmodel name : Test CPU\nprocessor : 1\nmodel name : Test CPU\n");
  await write("proc/sys/kernel/osrelease", "6.1.0-test\n");
  await write("etc/os-release", 'PRETTY_NAME="Test OS 1"\n');
  await write("etc/machine-id", "0123456789abcdef0123456789abcdef\n");
});
afterEach(async () => {
  vi.useRealTimers();
  await rm(root, { recursive: true, force: true });
});

const stat = (busy: number, idle: number) => `cpu  ${busy} 0 0 ${idle} 0 0 0 0 0 0\ncpu0 0 0 0 0\ncpu1 0 0 0 0\n`;
const netdev = (rx: number, tx: number) =>
  `h1\nh2\n  eth0: ${rx} 0 0 0 0 0 0 0 ${tx} 0 0 0 0 0 0 0\n    lo: 1 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0\n`;
const diskstats = (read: number, written: number) => `   8 0 sda 0 0 ${read} 0 0 0 ${written} 0 0 0 0\n`;

describe("ProcHostCollector", () => {
  it("turns two readings into one host sample of rates", async () => {
    const now = vi.spyOn(performance, "now");
    await write("proc/stat", stat(1000, 9000));
    await write("proc/net/dev", netdev(0, 0));
    await write("proc/diskstats", diskstats(0, 0));
    const collector = new ProcHostCollector({ stateDir: join(root, "state"), root });
    now.mockReturnValue(10_000);
    await collector.start();

    await write("proc/stat", stat(1500, 9500)); // half busy
    await write("proc/net/dev", netdev(4000, 2000));
    await write("proc/diskstats", diskstats(16, 8)); // 8192 and 4096 bytes
    now.mockReturnValue(12_000); // two seconds later
    const sample = await collector.sample(1_700_000_000_000);
    now.mockRestore();

    expect(sample).toEqual({
      ts: 1_700_000_000_000,
      target: { kind: "host" },
      cpuCores: 1,
      cpuRatio: 0.5,
      memUsedBytes: 750000 * 1024,
      memTotalBytes: 1000000 * 1024,
      netRxBps: 2000,
      netTxBps: 1000,
      diskReadBps: 4096,
      diskWriteBps: 2048,
      load1: 1.5,
    });
    expect(sampleSchema.safeParse(sample).success).toBe(true);
  });

  it("describes the host from the files", async () => {
    await write("proc/stat", stat(1, 1));
    const facts = await new ProcHostCollector({ stateDir: join(root, "state"), root }).hostFacts();
    expect(facts).toMatchObject({
      machineId: "0123456789abcdef0123456789abcdef",
      cpuModel: "Test CPU",
      cpuCores: 2,
      memoryBytes: 1000000 * 1024,
      os: "Test OS 1",
      kernel: "6.1.0-test",
      kvm: false,
    });
  });

  it("generates and keeps a machine id when /etc/machine-id is missing", async () => {
    await write("proc/stat", stat(1, 1));
    await rm(join(root, "etc/machine-id"));
    const state = join(root, "state");
    const first = await new ProcHostCollector({ stateDir: state, root }).hostFacts();
    const second = await new ProcHostCollector({ stateDir: state, root }).hostFacts();
    expect(first.machineId).toMatch(/^[0-9a-f]{32}$/);
    expect(second.machineId).toBe(first.machineId);
  });
});
