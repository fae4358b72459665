import { describe, expect, it } from "vitest";
import {
  buildDomainXml,
  cloneDomainXml,
  escapeXml,
  parseDomainDisks,
  unescapeXml,
  virtioTarget,
} from "./domain-xml.js";

const base = {
  name: "web-1",
  uuid: "0b9a2c4e-1111-4222-8333-444455556666",
  type: "qemu" as const,
  vcpus: 2,
  memoryMiB: 256,
  disks: [
    { path: "/var/lib/flt/d/disk0.qcow2", format: "qcow2", readOnly: false },
    { path: "/var/lib/flt/d/disk1.qcow2", format: "qcow2", readOnly: false },
  ],
  network: { mode: "none" as const },
};

describe("buildDomainXml", () => {
  it("writes name, uuid, vCPUs, memory, virtio disks in order and the balloon", () => {
    const xml = buildDomainXml(base);
    expect(xml).toContain("<domain type='qemu'>");
    expect(xml).toContain("<name>web-1</name>");
    expect(xml).toContain(`<uuid>${base.uuid}</uuid>`);
    expect(xml).toContain("<vcpu>2</vcpu>");
    expect(xml).toContain("<memory unit='MiB'>256</memory>");
    expect(xml).toContain("<currentMemory unit='MiB'>256</currentMemory>");
    expect(xml).toContain("<boot dev='hd'/>");
    expect(xml).not.toContain("<interface");
    expect(xml).toContain("<memballoon model='virtio'>");
    const vda = xml.indexOf("<target dev='vda'");
    const vdb = xml.indexOf("<target dev='vdb'");
    expect(vda).toBeGreaterThan(xml.indexOf("disk0.qcow2"));
    expect(vdb).toBeGreaterThan(xml.indexOf("disk1.qcow2"));
    expect(parseDomainDisks(xml)).toEqual(base.disks);
  });

  it("boots a kernel directly and escapes what it writes", () => {
    const xml = buildDomainXml({
      ...base,
      disks: [{ path: "/d/it's & <x>.qcow2", format: "raw", readOnly: true }],
      kernel: { path: "/k/vmlinuz", initrd: "/k/initrd.img", append: "console=ttyS0 a<b" },
    });
    expect(xml).toContain("<kernel>/k/vmlinuz</kernel>");
    expect(xml).toContain("<initrd>/k/initrd.img</initrd>");
    expect(xml).toContain("<cmdline>console=ttyS0 a&lt;b</cmdline>");
    expect(xml).not.toContain("<boot dev");
    expect(xml).toContain("<source file='/d/it&apos;s &amp; &lt;x&gt;.qcow2'/>");
    expect(parseDomainDisks(xml)).toEqual([{ path: "/d/it's & <x>.qcow2", format: "raw", readOnly: true }]);
  });

  it("writes user, bridged and plain tap networking; refuses forwards and no disk", () => {
    expect(buildDomainXml({ ...base, network: { mode: "user", hostfwd: [] } })).toContain("<interface type='user'>");
    const bridged = buildDomainXml({ ...base, network: { mode: "tap", ifname: "tap0", bridge: "br0" } });
    expect(bridged).toContain("<source bridge='br0'/>");
    expect(bridged).toContain("<target dev='tap0'/>");
    const tap = buildDomainXml({ ...base, network: { mode: "tap", ifname: "tap1" } });
    expect(tap).toContain("<interface type='ethernet'>");
    expect(tap).toContain("<target dev='tap1' managed='no'/>");
    const hostfwd = [{ protocol: "tcp" as const, hostIp: "127.0.0.1", hostPort: 2222, guestPort: 22 }];
    expect(() => buildDomainXml({ ...base, network: { mode: "user", hostfwd } })).toThrow(/port forwards/);
    expect(() => buildDomainXml({ ...base, disks: [] })).toThrow(/at least one disk/);
  });
});

describe("virtioTarget and escaping", () => {
  it("names disks vda..vdz, vdaa", () => {
    expect([0, 1, 25, 26, 27].map(virtioTarget)).toEqual(["vda", "vdb", "vdz", "vdaa", "vdab"]);
  });
  it("round-trips entities", () => {
    const text = `a&b<c>'d"e`;
    expect(unescapeXml(escapeXml(text))).toBe(text);
    expect(unescapeXml("&#65;&#x42;&bogus;")).toBe("AB&bogus;");
  });
});

// What `virsh dumpxml --inactive` writes (trimmed), with a CD-ROM, a read-only disk and a backing chain.
const DUMPED = `<domain type='qemu'>
  <name>src</name>
  <uuid>11111111-2222-4333-8444-555555555555</uuid>
  <memory unit='KiB'>131072</memory>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='/srv/src/root.img'/>
      <backingStore/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/srv/src/data.qcow2'/>
      <backingStore type='file'>
        <format type='qcow2'/>
        <source file='/srv/base.qcow2'/>
      </backingStore>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='/srv/shared.iso.img'/>
      <target dev='vdc' bus='virtio'/>
      <readonly/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='/srv/install.iso'/>
      <target dev='sda' bus='sata'/>
    </disk>
    <interface type='user'>
      <mac address='52:54:00:12:34:56'/>
      <model type='virtio'/>
    </interface>
  </devices>
</domain>
`;

describe("parseDomainDisks and cloneDomainXml", () => {
  it("reads the file disks, not CD-ROMs, with format and read-only", () => {
    expect(parseDomainDisks(DUMPED)).toEqual([
      { path: "/srv/src/root.img", format: "raw", readOnly: false },
      { path: "/srv/src/data.qcow2", format: "qcow2", readOnly: false },
      { path: "/srv/shared.iso.img", format: "raw", readOnly: true },
    ]);
  });

  it("renames, drops uuid and MACs, points copied disks at their copies as qcow2, shares the rest", () => {
    const xml = cloneDomainXml(
      DUMPED,
      "copy-1",
      new Map([
        ["/srv/src/root.img", "/d/new/disk0.qcow2"],
        ["/srv/src/data.qcow2", "/d/new/disk1.qcow2"],
      ]),
    );
    expect(xml).toContain("<name>copy-1</name>");
    expect(xml).not.toContain("<uuid>");
    expect(xml).not.toContain("<mac ");
    expect(xml).not.toContain("backingStore");
    expect(xml).not.toContain("/srv/base.qcow2");
    expect(parseDomainDisks(xml)).toEqual([
      { path: "/d/new/disk0.qcow2", format: "qcow2", readOnly: false },
      { path: "/d/new/disk1.qcow2", format: "qcow2", readOnly: false },
      { path: "/srv/shared.iso.img", format: "raw", readOnly: true },
    ]);
    expect(xml).toContain("<source file='/srv/install.iso'/>");
    expect(() => cloneDomainXml("<domain/>", "x", new Map())).toThrow(/no <name>/);
  });
});
