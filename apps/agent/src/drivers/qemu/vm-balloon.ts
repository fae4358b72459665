/**
 * Changing a running guest's memory through its virtio balloon, as Proxmox does: the balloon
 * inflates to take memory back or deflates to return it, up to what the VM started with.
 * The guest gives memory up at its own pace, so the change is followed until it settles.
 */
import { hasBalloon } from "./vm-definition.js";
import { type OnProgress, VmError } from "./vm-error.js";
import type { VmMonitor } from "./vm-monitor.js";

const MiB = 1024 * 1024;

/** Sets the balloon target; resolves with the guest's actual size once within 1 MiB of it, or at the timeout. */
export async function setBalloon(
  monitor: VmMonitor,
  memoryMiB: number,
  onProgress: OnProgress,
  timeoutMs: number,
): Promise<number> {
  const { def } = monitor;
  if (!hasBalloon(def)) throw new VmError("invalid", `${def.name} has no balloon device`);
  if (!Number.isInteger(memoryMiB) || memoryMiB < 16 || memoryMiB > def.memoryMiB)
    throw new VmError("invalid", `memory must be 16..${def.memoryMiB} MiB (more needs a restart with more memoryMiB)`);
  const target = memoryMiB * MiB;
  const from = (await monitor.execute<{ actual: number }>("query-balloon")).actual;
  await monitor.execute("balloon", { value: target });
  const deadline = Date.now() + timeoutMs;
  let actual = from;
  while (Math.abs(actual - target) >= MiB && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    actual = (await monitor.execute<{ actual: number }>("query-balloon")).actual;
    const moved = Math.abs(from - actual) / Math.max(1, Math.abs(from - target));
    onProgress(Math.min(1, moved), `balloon at ${Math.round(actual / MiB)} of ${memoryMiB} MiB`);
  }
  // What the inventory reports as the VM's memory from now on.
  monitor.memoryBytes = actual;
  onProgress(1, `${def.name} has ${Math.round(actual / MiB)} MiB`);
  return actual;
}
