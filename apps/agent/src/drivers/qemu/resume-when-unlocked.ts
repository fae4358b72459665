/**
 * Resuming a VM whose disks another QEMU held a moment ago: the target of a failed migration
 * has removed its copy, but on a loaded host the kernel may still be closing that process's
 * files, so QEMU's image lock is briefly still taken. `cont` is retried while (and only while)
 * QEMU says the lock is held.
 */
import { QmpError } from "./qmp-client.js";

const LOCK_HELD = /Failed to get "write" lock/;

export async function resumeWhenUnlocked(
  cont: () => Promise<unknown>,
  options: { timeoutMs?: number; retryEveryMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    try {
      await cont();
      return;
    } catch (error) {
      const locked = error instanceof QmpError && LOCK_HELD.test(error.message);
      if (!locked || Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, options.retryEveryMs ?? 250));
    }
  }
}
