/**
 * Domain XML for libvirt, pure: the XML of a new domain (vm.create) and, from libvirt's own
 * `dumpxml` output, a domain's file disks and the XML of a clone of it (new name, no uuid or MACs
 * so libvirt makes fresh ones, the cloned disks' new paths). libvirt writes its XML canonically
 * (one element per line, attributes in single quotes), which is what the reading side relies on.
 */
import type { vmCreatePayloadSchema } from "@flotilla/protocol";
import type { z } from "zod";

type VmCreatePayload = z.infer<typeof vmCreatePayloadSchema>;

export type DomainType = "kvm" | "qemu";

export interface DomainDisk {
  path: string;
  /** The image format libvirt opens it with (`<driver type=...>`), qcow2 when not said. */
  format: string;
  readOnly: boolean;
}

export interface NewDomain {
  name: string;
  uuid: string;
  type: DomainType;
  vcpus: number;
  memoryMiB: number;
  disks: readonly DomainDisk[];
  network: VmCreatePayload["network"];
  kernel?: VmCreatePayload["kernel"];
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&apos;", '"': "&quot;" };

export function escapeXml(text: string): string {
  return text.replace(/[&<>'"]/g, (c) => ENTITIES[c] ?? c);
}

export function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|apos|quot|#(\d+)|#x([0-9a-fA-F]+));/g, (whole, name: string, dec, hex) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(Number.parseInt(hex, 16));
    const found = Object.entries(ENTITIES).find(([, e]) => e === `&${name};`);
    return found ? found[0] : whole;
  });
}

/** vda, vdb, ... vdz, vdaa: virtio disk names in order. */
export function virtioTarget(index: number): string {
  let name = "";
  for (let i = index; i >= 0; i = Math.floor(i / 26) - 1) name = String.fromCharCode(97 + (i % 26)) + name;
  return `vd${name}`;
}

function interfaceXml(network: NewDomain["network"]): string[] {
  switch (network.mode) {
    case "none":
      return [];
    case "user":
      // Forwards would need passt's <portForward>; refused rather than silently dropped.
      if (network.hostfwd.length > 0)
        throw new Error("host port forwards are not supported for libvirt VMs: use network mode user without hostfwd");
      return ["    <interface type='user'>", "      <model type='virtio'/>", "    </interface>"];
    case "tap":
      return network.bridge
        ? [
            "    <interface type='bridge'>",
            `      <source bridge='${escapeXml(network.bridge)}'/>`,
            `      <target dev='${escapeXml(network.ifname)}'/>`,
            "      <model type='virtio'/>",
            "    </interface>",
          ]
        : [
            "    <interface type='ethernet'>",
            `      <target dev='${escapeXml(network.ifname)}' managed='no'/>`,
            "      <model type='virtio'/>",
            "    </interface>",
          ];
  }
}

function osXml(kernel: NewDomain["kernel"]): string[] {
  const lines = ["  <os>", "    <type arch='x86_64' machine='pc'>hvm</type>"];
  if (kernel) {
    lines.push(`    <kernel>${escapeXml(kernel.path)}</kernel>`);
    if (kernel.initrd) lines.push(`    <initrd>${escapeXml(kernel.initrd)}</initrd>`);
    if (kernel.append) lines.push(`    <cmdline>${escapeXml(kernel.append)}</cmdline>`);
  } else {
    lines.push("    <boot dev='hd'/>");
  }
  lines.push("  </os>");
  return lines;
}

/** The XML `virsh define` takes for a new domain: virtio disks in order, a virtio balloon reporting every second. */
export function buildDomainXml(d: NewDomain): string {
  if (d.disks.length === 0) throw new Error("a domain needs at least one disk");
  const disks = d.disks.flatMap((disk, i) => [
    "    <disk type='file' device='disk'>",
    `      <driver name='qemu' type='${escapeXml(disk.format)}'/>`,
    `      <source file='${escapeXml(disk.path)}'/>`,
    `      <target dev='${virtioTarget(i)}' bus='virtio'/>`,
    ...(disk.readOnly ? ["      <readonly/>"] : []),
    "    </disk>",
  ]);
  return [
    `<domain type='${d.type}'>`,
    `  <name>${escapeXml(d.name)}</name>`,
    `  <uuid>${escapeXml(d.uuid)}</uuid>`,
    `  <memory unit='MiB'>${d.memoryMiB}</memory>`,
    `  <currentMemory unit='MiB'>${d.memoryMiB}</currentMemory>`,
    `  <vcpu>${d.vcpus}</vcpu>`,
    ...osXml(d.kernel),
    "  <features>",
    "    <acpi/>",
    "  </features>",
    "  <on_poweroff>destroy</on_poweroff>",
    "  <on_reboot>restart</on_reboot>",
    "  <devices>",
    ...disks,
    ...interfaceXml(d.network),
    "    <memballoon model='virtio'>",
    "      <stats period='1'/>",
    "    </memballoon>",
    "    <serial type='pty'/>",
    "  </devices>",
    "</domain>",
    "",
  ].join("\n");
}

const DISK_BLOCK = /<disk\b([^>]*)>([\s\S]*?)<\/disk>/g;

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}=(['"])(.*?)\\1`).exec(tag);
  return m?.[2] === undefined ? undefined : unescapeXml(m[2]);
}

/** The file-backed disks (device='disk') of a domain's XML, in order; CD-ROMs and network disks are not ours. */
export function parseDomainDisks(xml: string): DomainDisk[] {
  const disks: DomainDisk[] = [];
  for (const m of xml.matchAll(DISK_BLOCK)) {
    const [, open = "", body = ""] = m;
    if (attr(open, "type") !== "file" || (attr(open, "device") ?? "disk") !== "disk") continue;
    const source = /<source\b[^>]*>/.exec(body)?.[0];
    const path = source ? attr(source, "file") : undefined;
    if (!path) continue;
    const driver = /<driver\b[^>]*>/.exec(body)?.[0];
    disks.push({
      path,
      format: (driver && attr(driver, "type")) ?? "qcow2",
      readOnly: /<(readonly|shareable)\s*\/>/.test(body),
    });
  }
  return disks;
}

/**
 * A clone's XML from its source's `dumpxml --inactive`: its name, no <uuid> and no MAC addresses
 * (libvirt makes new ones), each disk path in `newPaths` replaced and that disk made qcow2.
 */
export function cloneDomainXml(source: string, name: string, newPaths: ReadonlyMap<string, string>): string {
  if (!/<name>[^<]*<\/name>/.test(source)) throw new Error("the source domain's XML has no <name>");
  let xml = source
    .replace(/<name>[^<]*<\/name>/, `<name>${escapeXml(name)}</name>`)
    .replace(/^\s*<uuid>[^<]*<\/uuid>\s*\n/m, "")
    .replace(/^\s*<mac address=(['"])[^'"]*\1\s*\/>\s*\n/gm, "");
  xml = xml.replace(DISK_BLOCK, (block, open: string, body: string) => {
    const source = /<source\b[^>]*>/.exec(body)?.[0];
    const path = source ? attr(source, "file") : undefined;
    const target = path === undefined ? undefined : newPaths.get(path);
    if (target === undefined || !source) return block;
    const newBody = body
      .replace(source, source.replace(/\bfile=(['"]).*?\1/, `file='${escapeXml(target)}'`))
      .replace(/(<driver\b[^>]*\btype=)(['"]).*?\2/, "$1'qcow2'")
      // A <backingStore> described the old chain; libvirt reads the new one from the image.
      .replace(/<backingStore\b[\s\S]*<\/backingStore>\s*/, "")
      .replace(/^\s*<backingStore\/>\s*\n/m, "");
    return `<disk${open}>${newBody}</disk>`;
  });
  return xml;
}
