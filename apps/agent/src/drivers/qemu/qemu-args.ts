/**
 * QEMU's command line, built as an argument array from a VM definition: pure, never a shell
 * string. Values inside QEMU's `key=value,...` option lists have their commas doubled (QEMU's
 * escape), so a path cannot add options of its own.
 */
import { hasBalloon, type VmDefinition } from "./vm-definition.js";

export type Accel = "kvm" | "tcg";

/** The QOM path of the balloon device, for the guest memory statistics. */
export const BALLOON_QOM_PATH = "/machine/peripheral/balloon0";

/** TCG's translation cache: QEMU's default (1 GiB on 64-bit hosts) costs far more RSS than a small guest needs. */
const TCG_TB_SIZE_MIB = 16;

/** A value inside a QEMU option list: a comma would start the next option, so it is doubled. */
export function optValue(value: string): string {
  return value.replaceAll(",", ",,");
}

/** A stable, locally administered MAC (QEMU's 52:54:00 prefix) derived from the VM's uuid. */
export function macFromUuid(uuid: string): string {
  const hex = uuid.replaceAll("-", "").slice(0, 6).padEnd(6, "0");
  return ["52", "54", "00", hex.slice(0, 2), hex.slice(2, 4), hex.slice(4, 6)].join(":");
}

function monitorArgs(id: string, path: string): string[] {
  return [
    "-chardev",
    `socket,id=${id},path=${optValue(path)},server=on,wait=off`,
    "-mon",
    `chardev=${id},mode=control`,
  ];
}

function accelArgs(accel: Accel): string[] {
  return accel === "kvm" ? ["-accel", "kvm", "-cpu", "host"] : ["-accel", `tcg,tb-size=${TCG_TB_SIZE_MIB}`];
}

function bootArgs(def: VmDefinition): string[] {
  if (!def.kernel) return [];
  const args = ["-kernel", def.kernel.path];
  if (def.kernel.initrd) args.push("-initrd", def.kernel.initrd);
  args.push("-append", def.kernel.append);
  return args;
}

function diskArgs(def: VmDefinition): string[] {
  return def.disks.flatMap((disk, i) => {
    const drive = [`file=${optValue(disk.path)}`, `if=none`, `id=disk${i}`, `format=${disk.format}`];
    if (disk.readOnly) drive.push("readonly=on");
    const device = [`virtio-blk-pci`, `drive=disk${i}`, `id=virtio-disk${i}`];
    // Without a kernel, firmware boots from the first disk.
    if (!def.kernel) device.push(`bootindex=${i + 1}`);
    return ["-drive", drive.join(","), "-device", device.join(",")];
  });
}

function networkArgs(def: VmDefinition): string[] {
  const { network } = def;
  if (network.mode === "none") return [];
  let netdev: string;
  if (network.mode === "user") {
    const forwards = network.hostfwd.map((f) => `hostfwd=${f.protocol}:${f.hostIp}:${f.hostPort}-:${f.guestPort}`);
    netdev = ["user", "id=net0", ...forwards].join(",");
  } else {
    // script=no: the agent runs no helper scripts; bridging the tap is the host's business.
    netdev = `tap,id=net0,ifname=${network.ifname},script=no,downscript=no`;
  }
  return ["-netdev", netdev, "-device", `virtio-net-pci,netdev=net0,mac=${def.mac ?? macFromUuid(def.uuid)}`];
}

export interface LaunchOptions {
  /**
   * `tcp:HOST:PORT`: wait for a live migration instead of booting (the target of a migration).
   * The machine must be built from the same definition as the source's.
   */
  incoming?: string;
}

/** The full argument list (without the binary) to start `def` as a daemonized QEMU. */
export function buildQemuArgs(def: VmDefinition, accel: Accel, launch: LaunchOptions = {}): string[] {
  const args = [
    "-name",
    `guest=${def.name}`,
    "-uuid",
    def.uuid,
    "-machine",
    def.machine,
    ...accelArgs(accel),
    "-m",
    String(def.memoryMiB),
    // A machine without a board has no CPUs to count.
    ...(def.machine === "none" ? [] : ["-smp", String(def.vcpus)]),
    "-nodefaults",
    "-no-user-config",
    "-display",
    "none",
    "-msg",
    "timestamp=on",
    // Daemonized, QEMU outlives the agent: it is found again through the pidfile and QMP.
    "-daemonize",
    "-pidfile",
    def.pidFile,
    ...monitorArgs("qmp", def.qmpSocket),
    ...monitorArgs("qmp-admin", def.qmpAdminSocket),
  ];
  if (def.machine === "none") return args;
  args.push("-chardev", `file,id=console,path=${optValue(def.consoleLog)}`, "-serial", "chardev:console");
  args.push(...bootArgs(def), ...diskArgs(def), ...networkArgs(def));
  if (hasBalloon(def)) args.push("-device", "virtio-balloon-pci,id=balloon0");
  if (launch.incoming) args.push("-incoming", launch.incoming);
  return args;
}
