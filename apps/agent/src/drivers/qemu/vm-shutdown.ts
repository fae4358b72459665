/**
 * Ending a QEMU, from gentle to hard: the ACPI power button (the guest shuts down on its own),
 * QMP `quit`, then SIGKILL. Each step waits for the process to be gone before the next.
 */
import type { Logger } from "../../logger.js";
import { signalProcess, waitForExit } from "./qemu-process.js";
import type { VmMonitor } from "./vm-monitor.js";

const QUIT_TIMEOUT_MS = 10_000;

export interface ShutdownOptions {
  /** Power button first (false: quit at once). */
  graceful: boolean;
  /** How long the guest gets to power off. */
  timeoutMs: number;
  procRoot: string;
  logger: Logger;
}

/** Resolves once the QEMU behind `monitor` has exited. */
export async function shutDownQemu(monitor: VmMonitor, options: ShutdownOptions): Promise<void> {
  const { pid, def } = monitor;
  let gone = false;
  if (options.graceful) {
    // A paused guest cannot answer the power button.
    if (monitor.state === "paused") await monitor.execute("cont");
    await monitor.execute("system_powerdown");
    gone = await waitForExit(pid, def.uuid, options.timeoutMs, options.procRoot);
    if (!gone) options.logger.warn({ timeoutMs: options.timeoutMs }, "guest did not power off in time; quitting QEMU");
  }
  if (!gone) {
    await monitor.execute("quit").catch(() => undefined); // the reply may be lost as QEMU exits
    gone = await waitForExit(pid, def.uuid, QUIT_TIMEOUT_MS, options.procRoot);
  }
  if (!gone) await killQemu(pid, def.uuid, options.procRoot, "SIGKILL");
}

/**
 * Ends a QEMU whose monitor does not answer: SIGTERM (QEMU shuts the guest down cleanly, like a
 * host-side power cut it reports as `host-signal`), SIGKILL if that is not enough.
 */
export async function killQemu(pid: number, uuid: string, procRoot: string, signal: NodeJS.Signals = "SIGTERM") {
  signalProcess(pid, signal);
  if (await waitForExit(pid, uuid, QUIT_TIMEOUT_MS, procRoot)) return;
  signalProcess(pid, "SIGKILL");
  await waitForExit(pid, uuid, QUIT_TIMEOUT_MS, procRoot);
}
