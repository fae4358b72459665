/**
 * Real VMs for system tests: the tiny test guest (built once into /var/tmp/flotilla-guest),
 * qcow2 disks, one-shot QMP commands, and a janitor that kills every QEMU a test started,
 * in afterAll and again when the test process exits.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DriverEvent, DriverListener, InventoryDelta } from "../../apps/agent/src/drivers/driver.js";
import { QmpClient } from "../../apps/agent/src/drivers/qemu/index.js";
import { ROOT } from "./processes.js";
import { waitFor } from "./wait-for.js";

export const GUEST_DIR = "/var/tmp/flotilla-guest";

export function hasQemu(): boolean {
  return spawnSync("qemu-system-x86_64", ["--version"], { stdio: "ignore" }).status === 0;
}

/** Builds the test guest unless cached (the script is idempotent); returns its kernel and initrd. */
export function ensureGuest(): { kernel: string; initrd: string } {
  const build = spawnSync(join(ROOT, "infra/test-guest/build-guest.sh"), [GUEST_DIR], { encoding: "utf8" });
  if (build.status !== 0) throw new Error(`building the test guest failed:\n${build.stdout}\n${build.stderr}`);
  return { kernel: join(GUEST_DIR, "vmlinuz"), initrd: join(GUEST_DIR, "initrd.img") };
}

export function createDisk(path: string, sizeMiB = 64): string {
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", path, `${sizeMiB}M`]);
  return path;
}

/** A short state dir: QMP socket paths must fit in 107 bytes. */
export function newVmStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "flt-qemu-"));
  janitor.watch(dir);
  return dir;
}

/** Opens the monitor, runs one command, closes: what an operator's tool would do. */
export async function qmpOnce<T = unknown>(
  socket: string,
  command: string,
  args?: Record<string, unknown>,
): Promise<T> {
  const qmp = await QmpClient.connect(socket, { timeoutMs: 5000 });
  try {
    return await qmp.execute<T>(command, args);
  } finally {
    qmp.close();
  }
}

/** Pids of QEMUs still running for the VMs under a state dir (from their pidfiles). */
export function runningQemuPids(stateDir: string): number[] {
  const vms = join(stateDir, "vms");
  if (!existsSync(vms)) return [];
  return readdirSync(vms)
    .filter((f) => f.endsWith(".pid"))
    .map((f) => Number(readFileSync(join(vms, f), "utf8").trim()))
    .filter((pid) => Number.isSafeInteger(pid) && pid > 1 && isQemu(pid));
}

function isQemu(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0]?.includes("qemu") ?? false;
  } catch {
    return false;
  }
}

/** Waits (polling every 20 ms) until `pid` has exited; returns when that was seen. Zombies count as exited. */
export async function waitForProcessExit(pid: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let alive = false;
    try {
      alive = !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
      // no such process
    }
    if (!alive) return Date.now();
    if (Date.now() > deadline) throw new Error(`process ${pid} still runs after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Kills the QEMUs of watched state dirs; synchronous so it also works in an exit handler. */
class QemuJanitor {
  private readonly dirs = new Set<string>();
  private installed = false;

  watch(dir: string): void {
    this.dirs.add(dir);
    if (!this.installed) {
      this.installed = true;
      process.on("exit", () => this.cleanAll());
    }
  }

  /** Kills what runs under `dir` and removes it. */
  clean(dir: string): void {
    for (const pid of runningQemuPids(dir)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
    this.dirs.delete(dir);
  }

  cleanAll(): void {
    for (const dir of [...this.dirs]) this.clean(dir);
  }
}

export const janitor = new QemuJanitor();

/** Runs a human-monitor (HMP) command through QMP, e.g. `qemu-io disk0 "write -P 0x11 0 64k"`. */
export function hmp(socket: string, commandLine: string): Promise<string> {
  return qmpOnce<string>(socket, "human-monitor-command", { "command-line": commandLine });
}

/**
 * Writes a byte pattern into a running VM's disk through QEMU's block layer, as the guest would,
 * and flushes it to the image file (so qemu-io on the host sees it). `device`: disk0, disk1, ...
 */
export async function writeGuestDisk(adminSocket: string, device: string, pattern: number, bytes = 65536) {
  const hex = `0x${pattern.toString(16).padStart(2, "0")}`;
  await hmp(adminSocket, `qemu-io ${device} "write -P ${hex} 0 ${bytes}"`);
  await hmp(adminSocket, `qemu-io ${device} "flush"`);
}

/** Writes a byte pattern at offset 0 of an image that no QEMU has open. */
export function writeImage(path: string, pattern: number, bytes = 65536): void {
  execFileSync("qemu-io", ["-c", `write -P 0x${pattern.toString(16).padStart(2, "0")} 0 ${bytes}`, path], {
    stdio: "ignore",
  });
}

/** Whether an image (read through its backing chain, even while a QEMU has it open) starts with `pattern`. */
export function imageHasPattern(path: string, pattern: number, bytes = 65536): boolean {
  const hex = `0x${pattern.toString(16).padStart(2, "0")}`;
  const run = spawnSync("qemu-io", ["-U", "-r", "-c", `read -P ${hex} 0 ${bytes}`, path], { encoding: "utf8" });
  return run.status === 0 && !/verification failed|error/i.test(`${run.stdout}${run.stderr}`);
}

/** One HTTP GET; the body, or undefined when it fails or times out. */
export async function httpText(url: string, timeoutMs = 1000): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

export const LIBVIRT_URI = "qemu:///system";

const libvirtAnswers = () => spawnSync("virsh", ["-c", LIBVIRT_URI, "uri"], { stdio: "ignore" }).status === 0;

/**
 * A libvirtd to test against: the host's when it answers, else one started here with `-d`
 * (no systemd on CI machines) and stopped by `stop()`. Needs Debian's libvirt-daemon-system for
 * its qemu.conf and the libvirt-qemu user.
 */
export async function ensureLibvirtd(): Promise<{ uri: string; stop(): void }> {
  if (libvirtAnswers()) return { uri: LIBVIRT_URI, stop: () => undefined };
  if (spawnSync("id", ["libvirt-qemu"], { stdio: "ignore" }).status !== 0)
    throw new Error("libvirtd needs the libvirt-qemu user: apt-get install libvirt-daemon-system");
  for (const dir of ["/run/libvirt", "/var/log/libvirt", "/var/lib/libvirt", "/var/cache/libvirt"])
    mkdirSync(dir, { recursive: true });
  const pidFiles: string[] = [];
  // libvirtd hands QEMU's console output to virtlogd.
  if (!existsSync("/run/libvirt/virtlogd-sock")) {
    execFileSync("virtlogd", ["-d"]);
    pidFiles.push("/run/virtlogd.pid");
  }
  execFileSync("libvirtd", ["-d"]);
  pidFiles.push("/run/libvirtd.pid");
  await waitFor(libvirtAnswers, 20_000, () => "libvirtd did not answer; see /var/log/libvirt/libvirtd.log");
  return {
    uri: LIBVIRT_URI,
    stop() {
      for (const file of pidFiles) {
        const pid = Number(readFileSync(file, "utf8").trim());
        if (Number.isSafeInteger(pid) && pid > 1) process.kill(pid, "SIGTERM");
      }
    },
  };
}

export function virsh(...args: string[]): string {
  return execFileSync("virsh", ["-c", LIBVIRT_URI, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** A libvirt domain for the test guest under TCG (16 MiB translation cache, like the qemu driver's). */
export function guestDomainXml(o: { name: string; kernel: string; initrd: string; disk: string; memoryMiB: number }) {
  return `<domain type='qemu'>
  <name>${o.name}</name>
  <memory unit='MiB'>${o.memoryMiB}</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${o.kernel}</kernel><initrd>${o.initrd}</initrd><cmdline>console=ttyS0 quiet</cmdline></os>
  <features><acpi/><tcg><tb-cache unit='MiB'>16</tb-cache></tcg></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${o.disk}'/><target dev='vda' bus='virtio'/></disk>
    <interface type='user'><model type='virtio'/></interface>
    <memballoon model='virtio'><stats period='1'/></memballoon>
    <serial type='pty'/>
  </devices>
</domain>
`;
}

/** A DriverListener that records what a driver reports, with waits on it. */
export class RecordingListener implements DriverListener {
  readonly deltas: { at: number; delta: InventoryDelta }[] = [];
  readonly events: { at: number; event: DriverEvent }[] = [];

  inventoryChanged(delta: InventoryDelta): void {
    this.deltas.push({ at: Date.now(), delta });
  }

  event(event: DriverEvent): void {
    this.events.push({ at: Date.now(), event });
  }

  /** The first delta after index `from` with workload `id` in `state`; its arrival time. */
  async waitForState(id: string, state: string, timeoutMs: number, from = 0): Promise<number> {
    let found: number | undefined;
    await waitFor(
      () => {
        found = this.deltas.slice(from).find((d) => d.delta.changed.some((w) => w.id === id && w.state === state))?.at;
        return found !== undefined;
      },
      timeoutMs,
      () => JSON.stringify(this.deltas.slice(from).map((d) => d.delta.changed.map((w) => [w.id, w.state]))),
    );
    return found as number;
  }

  eventKinds(id: string): string[] {
    return this.events.filter((e) => e.event.workloadId === id).map((e) => e.event.kind);
  }
}
