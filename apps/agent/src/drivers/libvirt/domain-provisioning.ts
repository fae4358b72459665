/**
 * New libvirt domains and their end: vm.create (a qcow2 overlay on a template disk, blank data
 * disks, `virsh define`), vm.clone (a full copy of a stopped domain's disks, then its XML with a
 * new name) and vm.delete (`virsh undefine` with its snapshot metadata, then its disks).
 *
 * Where disks go: `<diskDir>/<uuid>/disk<N>.qcow2`, diskDir defaulting to
 * `<agent stateDir>/libvirt-disks` (as the qemu driver's `<stateDir>/disks`). Directories are
 * made 0711 so libvirt's QEMU (user libvirt-qemu) can reach the files libvirt chowns to it.
 * Templates are host paths given in the payload (qcow2 or raw), as for the qemu driver; a
 * template must not change while overlays read through to it.
 */
import { randomUUID } from "node:crypto";
import { chmod, mkdir, rm, rmdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { vmCreatePayloadSchema } from "@flotilla/protocol";
import type { z } from "zod";
import { CommandError } from "../../commands/handler.js";
import { backingChain, copyImage, createBlank, createOverlay, imageInfo } from "../qemu/qemu-img.js";
import { buildDomainXml, cloneDomainXml, type DomainDisk, type DomainType, parseDomainDisks } from "./domain-xml.js";

const MiB = 1024 * 1024;

type CreatePayload = z.infer<typeof vmCreatePayloadSchema>;
type OnProgress = (fraction: number | undefined, message: string) => void;

/** What provisioning needs of the driver. */
export interface DomainHost {
  diskDir: string;
  virsh(args: readonly string[]): Promise<string>;
  /** The known domains (after a fresh read). */
  domains(): Promise<ReadonlyArray<{ uuid: string; name: string; state: string }>>;
  domainType(): Promise<DomainType>;
}

export function domainDiskDir(diskDir: string, uuid: string): string {
  return join(diskDir, uuid);
}

function diskPath(diskDir: string, uuid: string, index: number): string {
  return join(domainDiskDir(diskDir, uuid), `disk${index}.qcow2`);
}

async function disksOf(host: DomainHost, uuid: string): Promise<DomainDisk[]> {
  return parseDomainDisks(await host.virsh(["dumpxml", "--inactive", uuid]));
}

/** Every file the given domains read (disks and their backing files), with the reader's name. */
async function filesReadBy(
  host: DomainHost,
  domains: ReadonlyArray<{ uuid: string; name: string }>,
): Promise<Map<string, string>> {
  const used = new Map<string, string>();
  for (const d of domains) {
    for (const disk of await disksOf(host, d.uuid).catch(() => [])) {
      for (const file of await backingChain(disk.path).catch(() => [disk.path])) used.set(file, d.name);
    }
  }
  return used;
}

async function assertNameFree(host: DomainHost, name: string): Promise<void> {
  if ((await host.domains()).some((d) => d.name === name))
    throw new CommandError("command_failed", `a libvirt domain named ${name} exists already`);
}

/**
 * Runs `work` with a new, empty disk dir for the domain; on failure removes the dir (and the
 * domain, if it got defined). A dir that exists already is refused: it is not ours to delete.
 */
async function withNewDomain<T>(host: DomainHost, uuid: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = domainDiskDir(host.diskDir, uuid);
  await mkdir(host.diskDir, { recursive: true, mode: 0o711 });
  await mkdir(dir, { mode: 0o711 }).catch((error: NodeJS.ErrnoException) => {
    throw new CommandError("command_failed", `${dir}: ${error.message}`);
  });
  await chmod(dir, 0o711); // the umask may have taken bits away
  try {
    return await work(dir);
  } catch (error) {
    await host.virsh(["undefine", uuid, "--snapshots-metadata"]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function define(host: DomainHost, dir: string, xml: string): Promise<void> {
  const file = join(dir, "domain.xml");
  await writeFile(file, xml, { mode: 0o600 });
  try {
    await host.virsh(["define", file]);
  } finally {
    await rm(file, { force: true });
  }
}

export async function createDomain(host: DomainHost, p: CreatePayload, onProgress: OnProgress) {
  await assertNameFree(host, p.name);
  const template = await imageInfo(p.templateDisk, true).catch((error: Error) => {
    throw new CommandError("command_failed", `template disk ${p.templateDisk}: ${error.message}`);
  });
  const size = p.diskSizeMiB === undefined ? undefined : p.diskSizeMiB * MiB;
  if (size !== undefined && size < template.virtualSize)
    throw new CommandError(
      "command_failed",
      `diskSizeMiB is below the template's ${Math.ceil(template.virtualSize / MiB)} MiB`,
    );
  // A template a running domain writes to would change under every overlay made from it.
  const running = (await host.domains()).filter((d) => d.state === "running" || d.state === "paused");
  for (const d of running) {
    if ((await disksOf(host, d.uuid)).some((disk) => disk.path === p.templateDisk && !disk.readOnly))
      throw new CommandError("command_failed", `${p.templateDisk} is the disk of running domain ${d.name}`);
  }
  const uuid = randomUUID();
  const type = await host.domainType();
  await withNewDomain(host, uuid, async () => {
    onProgress(0, `cloning ${p.templateDisk}`);
    const boot = diskPath(host.diskDir, uuid, 0);
    await createOverlay(boot, p.templateDisk, template.format, size);
    const disks: DomainDisk[] = [{ path: boot, format: "qcow2", readOnly: false }];
    for (const [i, mib] of p.extraDisksMiB.entries()) {
      onProgress((i + 1) / (p.extraDisksMiB.length + 1), `creating data disk ${i + 1} (${mib} MiB)`);
      const path = diskPath(host.diskDir, uuid, i + 1);
      await createBlank(path, mib * MiB);
      disks.push({ path, format: "qcow2", readOnly: false });
    }
    const xml = (() => {
      try {
        return buildDomainXml({ ...p, uuid, type, disks });
      } catch (error) {
        throw new CommandError("command_failed", (error as Error).message);
      }
    })();
    onProgress(1, `defining ${p.name}`);
    await define(host, domainDiskDir(host.diskDir, uuid), xml);
  });
  if (p.start) {
    onProgress(undefined, `starting ${p.name}`);
    await host.virsh(["start", uuid]);
  }
  return { workloadId: uuid, name: p.name, started: p.start };
}

/**
 * A full clone of a stopped domain: standalone qcow2 copies of its writable disks (read-only
 * ones are shared), then its XML under the new name. Linked clones are refused: libvirt keeps
 * no mark that a domain is a template, so nothing would stop its disk changing under the overlay.
 */
export async function cloneDomain(
  host: DomainHost,
  source: { uuid: string; name: string; state: string },
  clone: { name: string; mode: "full" | "linked" },
  onProgress: OnProgress,
  signal?: AbortSignal,
) {
  if (clone.mode === "linked")
    throw new CommandError(
      "command_failed",
      "linked clones are not offered for libvirt domains (libvirt has no template mark to keep the source's disk unchanged): use a full clone",
    );
  if (source.state !== "stopped")
    throw new CommandError("command_failed", `${source.name} is ${source.state}: stop it before cloning`);
  await assertNameFree(host, clone.name);
  const xml = await host.virsh(["dumpxml", "--inactive", source.uuid]);
  const writable = parseDomainDisks(xml).filter((d) => !d.readOnly);
  const infos = await Promise.all(writable.map((d) => imageInfo(d.path)));
  const total = infos.reduce((sum, info) => sum + info.virtualSize, 0) || 1;
  const uuid = randomUUID();
  return withNewDomain(host, uuid, async (dir) => {
    const newPaths = new Map<string, string>();
    let done = 0;
    for (const [i, disk] of writable.entries()) {
      const size = infos[i]?.virtualSize ?? 0;
      const target = diskPath(host.diskDir, uuid, i);
      const message = `copying disk ${i + 1} of ${writable.length}`;
      onProgress(done / total, message);
      await copyImage(disk.path, target, (f) => onProgress((done + f * size) / total, message), signal);
      done += size;
      newPaths.set(disk.path, target);
    }
    // libvirt makes the uuid when the XML has none; ours names the disk dir, so it is set.
    const cloneXml = cloneDomainXml(xml, clone.name, newPaths).replace(
      /(<name>[^<]*<\/name>)/,
      `$1\n  <uuid>${uuid}</uuid>`,
    );
    onProgress(1, `defining ${clone.name}`);
    await define(host, dir, cloneXml);
    return { workloadId: uuid, name: clone.name };
  });
}

/**
 * Undefines a stopped domain with its snapshot metadata and managed save; with `deleteDisks`,
 * removes its writable disks too, refusing (deleting nothing) while another domain reads one of
 * them as its disk or backing file.
 */
export async function deleteDomain(
  host: DomainHost,
  domain: { uuid: string; name: string; state: string },
  deleteDisks: boolean,
): Promise<{ deletedDisks: string[] }> {
  if (domain.state === "running" || domain.state === "paused")
    throw new CommandError("command_failed", `${domain.name} is ${domain.state}: stop it before deleting it`);
  const disks = deleteDisks ? (await disksOf(host, domain.uuid)).filter((d) => !d.readOnly).map((d) => d.path) : [];
  if (disks.length > 0) {
    const others = (await host.domains()).filter((d) => d.uuid !== domain.uuid);
    const used = await filesReadBy(host, others);
    for (const path of disks) {
      const user = used.get(path);
      if (user)
        throw new CommandError("command_failed", `${path} is used by domain ${user} (as its disk or backing file)`);
    }
  }
  await host.virsh(["undefine", domain.uuid, "--snapshots-metadata", "--managed-save"]);
  await Promise.all(disks.map((path) => rm(path, { force: true })));
  // The disk dir this driver made for it, once empty (absent for domains defined elsewhere).
  const ownDir = domainDiskDir(host.diskDir, domain.uuid);
  if (disks.some((path) => dirname(path) === ownDir)) await rmdir(ownDir).catch(() => undefined);
  return { deletedDisks: disks };
}
