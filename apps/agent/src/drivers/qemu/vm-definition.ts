/**
 * What the qemu driver knows about a VM when it is not running: the definition kept in
 * `<stateDir>/vms/<uuid>.json`. QEMU's arguments are built from it (qemu-args.ts), so every
 * value that reaches QEMU's option parser is validated here first.
 */
import { isAbsolute, join } from "node:path";
import { z } from "zod";

/** Linux's sun_path is 108 bytes including the terminating NUL. */
export const MAX_SOCKET_PATH = 107;

/** Absolute, and free of characters that would end a QEMU option or a JSON line. */
const absPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => isAbsolute(p) && !/[\0\n\r]/.test(p), "must be an absolute path");

const hostfwdSchema = z.object({
  protocol: z.enum(["tcp", "udp"]).default("tcp"),
  /** Loopback by default: a forward on 0.0.0.0 exposes the guest to the network. */
  hostIp: z.ipv4().default("127.0.0.1"),
  hostPort: z.number().int().min(1).max(65535),
  guestPort: z.number().int().min(1).max(65535),
});

const ifnameSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/, "invalid interface name");

const networkSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("none") }),
  /** QEMU's user-mode (slirp) network: no host device, ports reach the guest through hostfwd. */
  z.object({ mode: z.literal("user"), hostfwd: z.array(hostfwdSchema).max(64).default([]) }),
  /**
   * A host tap device, created by QEMU when missing (and gone when QEMU exits). With `bridge`,
   * the driver attaches it to that bridge once QEMU has started; without, that is the operator's.
   */
  z.object({ mode: z.literal("tap"), ifname: ifnameSchema, bridge: ifnameSchema.optional() }),
]);

const diskSchema = z.object({
  path: absPath,
  format: z.enum(["qcow2", "raw"]).default("qcow2"),
  readOnly: z.boolean().default(false),
});

const vmFields = z.object({
  /** Like libvirt's: unique on the host, letters, digits, dot, dash, underscore. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "must be 1-63 letters, digits, '.', '_' or '-'"),
  /** `none` is a QEMU with no guest at all: only QMP (used by fast protocol tests). */
  machine: z.enum(["pc", "q35", "none"]).default("pc"),
  /** `auto`: KVM when /dev/kvm is usable, else TCG. */
  accel: z.enum(["auto", "kvm", "tcg"]).default("auto"),
  vcpus: z.number().int().min(1).max(256).default(1),
  memoryMiB: z
    .number()
    .int()
    .min(16)
    .max(4 * 1024 * 1024)
    .default(128),
  kernel: z
    .object({
      path: absPath,
      initrd: absPath.optional(),
      append: z
        .string()
        .max(4096)
        .refine((s) => !/[\0\n\r]/.test(s), "must be one line")
        .default("console=ttyS0"),
    })
    .optional(),
  disks: z.array(diskSchema).max(16).default([]),
  network: networkSchema.default({ mode: "none" }),
  /** The NIC's MAC; derived from the uuid when absent, so a clone (new uuid) gets its own. */
  mac: z
    .string()
    .regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i, "must be a MAC address like 52:54:00:12:34:56")
    .optional(),
  /**
   * A template VM is not started: its disks are the read-only base of linked clones, which
   * would be corrupted if it wrote to them (Proxmox's rule too).
   */
  template: z.boolean().default(false),
  /** A virtio-balloon device: memory figures from the guest instead of the process RSS. */
  balloon: z.boolean().default(true),
  labels: z.record(z.string().max(255), z.string().max(4096)).default({}),
});

type VmFields = z.infer<typeof vmFields>;

function checkBootable(vm: VmFields, ctx: z.RefinementCtx): void {
  if (vm.machine === "none") {
    if (vm.kernel || vm.disks.length > 0 || vm.network.mode !== "none")
      ctx.addIssue({ code: "custom", message: "machine none takes no kernel, disks or network" });
  } else if (!vm.kernel && vm.disks.length === 0) {
    ctx.addIssue({ code: "custom", message: "a VM needs a kernel or a disk to boot from" });
  }
}

/** What a caller gives `createVm`. */
export const vmSpecSchema = vmFields.extend({ uuid: z.uuid().optional() }).superRefine(checkBootable);
export type VmSpec = z.input<typeof vmSpecSchema>;

/** The stored definition: the spec plus identity and the paths of its runtime files. */
export const vmDefinitionSchema = vmFields
  .extend({
    uuid: z.uuid(),
    createdAt: z.number().int().nonnegative(),
    /** The agent's QMP monitor. */
    qmpSocket: absPath,
    /** A second QMP monitor for operators and tools: QEMU serves one client per monitor. */
    qmpAdminSocket: absPath,
    pidFile: absPath,
    /** The guest's serial console (machines with a serial port only). */
    consoleLog: absPath,
  })
  .superRefine(checkBootable);
export type VmDefinition = z.infer<typeof vmDefinitionSchema>;

export function vmsDir(stateDir: string): string {
  return join(stateDir, "vms");
}

export function definitionFile(stateDir: string, uuid: string): string {
  return join(vmsDir(stateDir), `${uuid}.json`);
}

/** The runtime files of a VM, all beside its definition. */
export function vmRuntimePaths(stateDir: string, uuid: string) {
  const base = join(vmsDir(stateDir), uuid);
  return {
    qmpSocket: `${base}.qmp`,
    qmpAdminSocket: `${base}.admin.qmp`,
    pidFile: `${base}.pid`,
    consoleLog: `${base}.console.log`,
  };
}

/** The spec a definition was made from, without its host-specific runtime paths. */
export function specOf(def: VmDefinition): z.infer<typeof vmSpecSchema> {
  const { qmpSocket, qmpAdminSocket, pidFile, consoleLog, createdAt, ...spec } = def;
  return spec;
}

/** Builds the definition for a validated spec; throws when the socket paths would be too long. */
export function defineVm(spec: z.infer<typeof vmSpecSchema>, uuid: string, stateDir: string, now: number) {
  const paths = vmRuntimePaths(stateDir, uuid);
  if (Buffer.byteLength(paths.qmpAdminSocket) > MAX_SOCKET_PATH) {
    throw new Error(`the state dir ${stateDir} is too long for QMP socket paths (max ${MAX_SOCKET_PATH} bytes)`);
  }
  return vmDefinitionSchema.parse({ ...spec, uuid, createdAt: now, ...paths });
}

export function hasBalloon(def: VmDefinition): boolean {
  return def.balloon && def.machine !== "none";
}

/** The workload's `image`: its first disk, else its kernel. */
export function vmImage(def: VmDefinition): string | undefined {
  return def.disks[0]?.path ?? def.kernel?.path;
}
