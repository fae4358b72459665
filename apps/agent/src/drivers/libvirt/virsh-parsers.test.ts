// Fixtures are real virsh 9.0 output (Debian 12) for the test guest under TCG.
import { describe, expect, it } from "vitest";
import {
  parseDomstats,
  parseEventLine,
  parseSnapshotList,
  parseUuidNameList,
  readDomainStats,
  stateFromLibvirt,
} from "./virsh-parsers.js";

const LIST = `7705ecd9-76c9-4ef5-925b-8a530531b999 flt-probe2
DA9DD948-3BB2-4563-9266-E9F06748ADCB my vm with spaces

`;

const DOMSTATS = `Domain: 'flt-probe2'
  state.state=1
  state.reason=1
  cpu.time=1755967000
  cpu.user=1434352000
  cpu.system=321615000
  balloon.current=131072
  balloon.maximum=131072
  balloon.swap_in=0
  balloon.unused=67512
  balloon.available=94800
  balloon.usable=73072
  balloon.last-update=1795913967
  balloon.rss=186388
  vcpu.current=1
  vcpu.maximum=1
  vcpu.0.state=1
  net.count=1
  net.0.name=vnet0
  net.0.rx.bytes=2000
  net.0.rx.pkts=10
  net.0.tx.bytes=300
  net.0.tx.pkts=3
  block.count=1
  block.0.name=vda
  block.0.path=/tmp/lv/d.qcow2
  block.0.rd.reqs=1
  block.0.rd.bytes=512
  block.0.wr.reqs=0
  block.0.wr.bytes=0
  block.0.capacity=67108864

Domain: 'stopped-one'
  state.state=5
  state.reason=0
  cpu.time=300000000
  balloon.current=262144
  balloon.maximum=262144
  vcpu.current=2
  vcpu.maximum=2
  block.count=1
  block.0.name=vda
  block.0.path=/var/lib/libvirt/images/stopped-one.qcow2
  block.0.capacity=67108864

`;

describe("virsh parsers", () => {
  it("maps names to lower-case uuids, names with spaces included", () => {
    expect(parseUuidNameList(LIST)).toEqual(
      new Map([
        ["flt-probe2", "7705ecd9-76c9-4ef5-925b-8a530531b999"],
        ["my vm with spaces", "da9dd948-3bb2-4563-9266-e9f06748adcb"],
      ]),
    );
  });

  it("reads a running domain's stats into bytes and nanoseconds", () => {
    const raw = parseDomstats(DOMSTATS).get("flt-probe2");
    expect(raw).toBeDefined();
    expect(readDomainStats(raw ?? new Map())).toEqual({
      state: "running",
      cpuTimeNs: 1755967000,
      vcpus: 1,
      maxMemoryBytes: 128 * 1024 * 1024,
      currentMemoryBytes: 128 * 1024 * 1024,
      usableBytes: 73072 * 1024,
      rssBytes: 186388 * 1024,
      diskPaths: ["/tmp/lv/d.qcow2"],
      block: new Map([["vda", { rx: 512, tx: 0 }]]),
      net: new Map([["vnet0", { rx: 2000, tx: 300 }]]),
    });
  });

  it("reads a shut-off domain: its definition, no traffic", () => {
    const stats = readDomainStats(parseDomstats(DOMSTATS).get("stopped-one") ?? new Map());
    expect(stats).toMatchObject({
      state: "stopped",
      vcpus: 2,
      maxMemoryBytes: 256 * 1024 * 1024,
      usableBytes: undefined,
    });
    expect(stats.block.size).toBe(0);
    expect(stats.diskPaths).toEqual(["/var/lib/libvirt/images/stopped-one.qcow2"]);
  });

  it("ignores balloon.usable until the guest has reported", () => {
    const raw = new Map([
      ["balloon.usable", "5"],
      ["balloon.last-update", "0"],
    ]);
    expect(readDomainStats(raw).usableBytes).toBeUndefined();
  });

  it.each([
    [1, "running"],
    [2, "running"],
    [3, "paused"],
    [4, "stopped"],
    [5, "stopped"],
    [6, "dead"],
    [7, "paused"],
    [0, "unknown"],
  ] as const)("state %i is %s", (n, state) => expect(stateFromLibvirt(n)).toBe(state));

  it("parses event lines and skips anything else", () => {
    expect(
      parseEventLine("2026-11-29 00:59:30.611+0000: event 'lifecycle' for domain 'flt-probe': Suspended Paused"),
    ).toEqual({ event: "lifecycle", domain: "flt-probe", detail: "Suspended Paused" });
    expect(parseEventLine("event 'reboot' for domain 'a'")).toEqual({ event: "reboot", domain: "a", detail: "" });
    expect(parseEventLine("events received: 3")).toBeUndefined();
    expect(parseEventLine("")).toBeUndefined();
  });
});

describe("parseSnapshotList", () => {
  it("reads virsh's table: name, creation time (with its zone) and the domain's state", () => {
    const text = [
      " Name          Creation Time               State",
      "---------------------------------------------------",
      " before-up     2026-11-29 03:50:12 +0000   running",
      " cold.1        2026-11-29 05:01:02 +0100   shutoff",
      "",
    ].join("\n");
    expect(parseSnapshotList(text)).toEqual([
      {
        id: "before-up",
        name: "before-up",
        createdAt: Date.UTC(2026, 10, 29, 3, 50, 12),
        domainState: "running",
        withMemory: true,
        vmStateBytes: 0,
      },
      {
        id: "cold.1",
        name: "cold.1",
        createdAt: Date.UTC(2026, 10, 29, 4, 1, 2),
        domainState: "shutoff",
        withMemory: false,
        vmStateBytes: 0,
      },
    ]);
  });

  it("finds nothing in an empty list", () => {
    expect(parseSnapshotList(" Name   Creation Time   State\n------------------------\n\n")).toEqual([]);
  });
});
