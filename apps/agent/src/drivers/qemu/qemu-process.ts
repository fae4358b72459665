/**
 * Starting a daemonized QEMU and watching its process. QEMU runs with -daemonize: it is not the
 * agent's child, survives an agent restart, and is found again through its pidfile. The
 * launching parent exits only once the VM and its monitors are set up, so its exit status and
 * stderr are the start's result.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { withLauncher } from "./host-tools.js";
import { isQemuFor, parsePidStat } from "./proc-pid.js";

export class QemuStartError extends Error {
  override readonly name = "QemuStartError";
}

/**
 * Runs the launching QEMU to its exit; resolves when the daemon is up, rejects with QEMU's own
 * message. `launcher` is a command prefix QEMU runs under (e.g. `ip netns exec NS`).
 */
export function launchQemu(
  binary: string,
  args: readonly string[],
  timeoutMs = 30_000,
  launcher: readonly string[] = [],
): Promise<void> {
  const [file, ...argv] = withLauncher(launcher, binary, args) as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      if (stderr.length < 16_384) stderr += chunk;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new QemuStartError(`QEMU did not finish starting within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new QemuStartError(`cannot run ${binary}: ${error.message}`));
    });
    // "exit", not "close": the daemon keeps a copy of stderr until it has redirected its stdio.
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else {
        const detail = stderr.trim() || (signal ? `killed by ${signal}` : `exit status ${code}`);
        reject(new QemuStartError(`QEMU failed to start: ${detail}`));
      }
    });
  });
}

/** The pid in a pidfile, or undefined when the file is missing or unreadable. */
export async function readPidFile(path: string): Promise<number | undefined> {
  const text = await readFile(path, "utf8").catch(() => "");
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 1 ? pid : undefined;
}

/**
 * Whether `pid` is alive and is the QEMU of VM `uuid`. The cmdline check guards against a
 * recycled pid; a zombie counts as gone (a container's init may be slow to reap it).
 */
export async function isQemuAlive(pid: number, uuid: string, procRoot = "/proc"): Promise<boolean> {
  try {
    const [cmdline, stat] = await Promise.all([
      readFile(join(procRoot, String(pid), "cmdline"), "utf8"),
      readFile(join(procRoot, String(pid), "stat"), "utf8"),
    ]);
    return isQemuFor(cmdline, uuid) && parsePidStat(stat).state !== "Z";
  } catch {
    return false;
  }
}

/** Waits until the QEMU is gone; false when it still runs after `timeoutMs`. */
export async function waitForExit(pid: number, uuid: string, timeoutMs: number, procRoot = "/proc"): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await isQemuAlive(pid, uuid, procRoot)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** Sends a signal, ignoring a process that is already gone. */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/**
 * Whether `binary` runs (`--version` exits 0). Spawning resolves it on PATH the same way a
 * start will, without the agent reading PATH itself.
 */
export function canRun(binary: string, args: readonly string[] = ["--version"], timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(binary, args, { stdio: "ignore", timeout: timeoutMs });
    child.on("error", () => resolve(false));
    child.on("exit", (code) => resolve(code === 0));
  });
}

/**
 * Whether KVM really works: /dev/kvm can be present and writable while KVM fails (nested
 * virtualisation without MSR support aborts QEMU at the first CPU reset). A QEMU that sets up a
 * KVM CPU, stopped (-S), and quits over QMP on stdio tells, in ~0.1 s.
 */
export function probeKvm(binary: string, timeoutMs = 10_000): Promise<boolean> {
  const args = ["-accel", "kvm", "-cpu", "host", "-machine", "pc", "-nodefaults", "-no-user-config"];
  args.push("-display", "none", "-m", "16", "-S", "-qmp", "stdio");
  return new Promise((resolve) => {
    const child = spawn(binary, args, { stdio: ["pipe", "ignore", "ignore"], timeout: timeoutMs });
    child.on("error", () => resolve(false));
    child.on("exit", (code) => resolve(code === 0));
    child.stdin.on("error", () => undefined); // QEMU may be gone before it reads
    child.stdin.end('{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n');
  });
}
