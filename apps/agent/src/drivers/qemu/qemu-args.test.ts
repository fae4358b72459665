import { describe, expect, it } from "vitest";
import { buildQemuArgs, macFromUuid, optValue } from "./qemu-args.js";
import { defineVm, vmSpecSchema } from "./vm-definition.js";

const UUID = "6f1c2a4e-0b7d-4c3a-9e8f-1234567890ab";

function define(spec: Record<string, unknown>) {
  return defineVm(vmSpecSchema.parse({ name: "web-1", ...spec }), UUID, "/var/lib/flotilla", 1_700_000_000_000);
}

/** The value following `flag`, for every occurrence. */
function valuesOf(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag && args[i + 1] !== undefined ? [args[i + 1] as string] : []));
}

describe("buildQemuArgs", () => {
  it("builds a daemonized TCG guest booting a kernel, with two QMP monitors", () => {
    const def = define({
      vcpus: 2,
      memoryMiB: 256,
      kernel: { path: "/guest/vmlinuz", initrd: "/guest/initrd.img", append: "console=ttyS0 quiet" },
      network: { mode: "user", hostfwd: [{ hostPort: 8080, guestPort: 80 }] },
    });
    const args = buildQemuArgs(def, "tcg");
    expect(valuesOf(args, "-accel")).toEqual(["tcg,tb-size=16"]);
    expect(valuesOf(args, "-m")).toEqual(["256"]);
    expect(valuesOf(args, "-smp")).toEqual(["2"]);
    expect(valuesOf(args, "-uuid")).toEqual([UUID]);
    expect(valuesOf(args, "-kernel")).toEqual(["/guest/vmlinuz"]);
    expect(valuesOf(args, "-initrd")).toEqual(["/guest/initrd.img"]);
    expect(valuesOf(args, "-append")).toEqual(["console=ttyS0 quiet"]);
    expect(args).toContain("-daemonize");
    expect(valuesOf(args, "-pidfile")).toEqual([`/var/lib/flotilla/vms/${UUID}.pid`]);
    expect(valuesOf(args, "-chardev")).toEqual([
      `socket,id=qmp,path=/var/lib/flotilla/vms/${UUID}.qmp,server=on,wait=off`,
      `socket,id=qmp-admin,path=/var/lib/flotilla/vms/${UUID}.admin.qmp,server=on,wait=off`,
      `file,id=console,path=/var/lib/flotilla/vms/${UUID}.console.log`,
    ]);
    expect(valuesOf(args, "-netdev")).toEqual(["user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80"]);
    expect(valuesOf(args, "-device")).toEqual([
      "virtio-net-pci,netdev=net0,mac=52:54:00:6f:1c:2a",
      "virtio-balloon-pci,id=balloon0",
    ]);
  });

  it("uses KVM with the host CPU when asked", () => {
    const args = buildQemuArgs(define({ kernel: { path: "/k" } }), "kvm");
    expect(valuesOf(args, "-accel")).toEqual(["kvm"]);
    expect(valuesOf(args, "-cpu")).toEqual(["host"]);
  });

  it("boots from the first disk when there is no kernel, and escapes commas in paths", () => {
    const def = define({
      disks: [{ path: "/img/a,b.qcow2" }, { path: "/img/data.raw", format: "raw", readOnly: true }],
      balloon: false,
    });
    const args = buildQemuArgs(def, "tcg");
    expect(valuesOf(args, "-drive")).toEqual([
      "file=/img/a,,b.qcow2,if=none,id=disk0,format=qcow2",
      "file=/img/data.raw,if=none,id=disk1,format=raw,readonly=on",
    ]);
    expect(valuesOf(args, "-device")).toEqual([
      "virtio-blk-pci,drive=disk0,id=virtio-disk0,bootindex=1",
      "virtio-blk-pci,drive=disk1,id=virtio-disk1,bootindex=2",
    ]);
    expect(args).not.toContain("-kernel");
  });

  it("attaches a tap device without helper scripts", () => {
    const args = buildQemuArgs(define({ kernel: { path: "/k" }, network: { mode: "tap", ifname: "tap-web1" } }), "tcg");
    expect(valuesOf(args, "-netdev")).toEqual(["tap,id=net0,ifname=tap-web1,script=no,downscript=no"]);
  });

  it("gives machine none only QMP: no devices, serial or CPUs", () => {
    const args = buildQemuArgs(define({ machine: "none", memoryMiB: 32 }), "tcg");
    expect(valuesOf(args, "-machine")).toEqual(["none"]);
    expect(args).not.toContain("-device");
    expect(args).not.toContain("-serial");
    expect(args).not.toContain("-smp");
    expect(valuesOf(args, "-mon")).toEqual(["chardev=qmp,mode=control", "chardev=qmp-admin,mode=control"]);
  });
});

describe("VM specs", () => {
  it.each([
    ["no boot source", { name: "a" }, /kernel or a disk/],
    ["a relative kernel path", { name: "a", kernel: { path: "vmlinuz" } }, /absolute/],
    ["a name with a comma", { name: "a,b", kernel: { path: "/k" } }, /letters/],
    ["devices on machine none", { name: "a", machine: "none", kernel: { path: "/k" } }, /machine none/],
    ["a newline in the kernel command line", { name: "a", kernel: { path: "/k", append: "x\ny" } }, /one line/],
    ["a bad tap name", { name: "a", kernel: { path: "/k" }, network: { mode: "tap", ifname: "t p" } }, /interface/],
  ])("refuses %s", (_what, spec, message) => {
    const result = vmSpecSchema.safeParse(spec);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(message);
  });

  it("forwards to loopback unless told otherwise", () => {
    const spec = vmSpecSchema.parse({
      name: "a",
      kernel: { path: "/k" },
      network: { mode: "user", hostfwd: [{ hostPort: 1, guestPort: 2 }] },
    });
    expect(spec.network).toEqual({
      mode: "user",
      hostfwd: [{ protocol: "tcp", hostIp: "127.0.0.1", hostPort: 1, guestPort: 2 }],
    });
  });

  it("refuses a state dir too long for a unix socket path", () => {
    const spec = vmSpecSchema.parse({ name: "a", kernel: { path: "/k" } });
    expect(() => defineVm(spec, UUID, `/${"x".repeat(80)}`, 0)).toThrow(/too long/);
  });
});

describe("migration and network arguments", () => {
  it("waits for an incoming migration with the same machine, and only when asked", () => {
    const def = define({ kernel: { path: "/k" }, disks: [{ path: "/d/a.qcow2" }] });
    const normal = buildQemuArgs(def, "tcg");
    const incoming = buildQemuArgs(def, "tcg", { incoming: "tcp:10.0.0.2:0" });
    expect(valuesOf(normal, "-incoming")).toEqual([]);
    expect(valuesOf(incoming, "-incoming")).toEqual(["tcp:10.0.0.2:0"]);
    expect(incoming.slice(0, -2)).toEqual(normal);
  });

  it("uses a given MAC, and a bridged tap is opened by name without helper scripts", () => {
    const def = define({
      kernel: { path: "/k" },
      mac: "52:54:00:aa:bb:cc",
      network: { mode: "tap", ifname: "tap-web1", bridge: "br0" },
    });
    const args = buildQemuArgs(def, "tcg");
    expect(valuesOf(args, "-netdev")).toEqual(["tap,id=net0,ifname=tap-web1,script=no,downscript=no"]);
    expect(valuesOf(args, "-device")).toContain("virtio-net-pci,netdev=net0,mac=52:54:00:aa:bb:cc");
  });

  it("refuses a bridge name that is not an interface name", () => {
    const parsed = vmSpecSchema.safeParse({
      name: "a",
      kernel: { path: "/k" },
      network: { mode: "tap", ifname: "tap0", bridge: "br0 master evil" },
    });
    expect(parsed.success).toBe(false);
  });
});

describe("helpers", () => {
  it("doubles commas in option values", () => expect(optValue("a,b,,c")).toBe("a,,b,,,,c"));
  it("derives a stable local MAC", () => expect(macFromUuid(UUID)).toBe("52:54:00:6f:1c:2a"));
});
