/**
 * Turning cumulative kernel counters into per-second rates. Counters are compared per key
 * (per interface, per disk), so a device that appears or disappears between two readings
 * contributes nothing for that interval instead of a huge negative or positive jump.
 */
import type { ByteCounters, CpuTimes } from "./proc-parsers.js";

/** Width of the kernel's `unsigned long` counters on this architecture (64 on every 64-bit port). */
export const COUNTER_BITS: 32 | 64 = ["x64", "arm64", "ppc64", "s390x", "riscv64", "loong64", "mips64el"].includes(
  process.arch,
)
  ? 64
  : 32;

/**
 * Growth of a counter between two readings. A 32-bit counter that went down wrapped around;
 * a 64-bit counter never wraps in practice, so going down means it was reset (device
 * re-created, driver reloaded) and the new value is what accumulated since the reset.
 */
export function counterDelta(previous: number, current: number, bits: 32 | 64 = COUNTER_BITS): number {
  if (current >= previous) return current - previous;
  if (bits === 32 && previous <= 0xffff_ffff) return 0x1_0000_0000 - previous + current;
  return current;
}

/** Per-second rate of each direction, summed over the keys present in both readings. */
export function sumRates(
  previous: ReadonlyMap<string, ByteCounters>,
  current: ReadonlyMap<string, ByteCounters>,
  seconds: number,
  bits: 32 | 64 = COUNTER_BITS,
): ByteCounters {
  if (seconds <= 0) return { rx: 0, tx: 0 };
  let rx = 0;
  let tx = 0;
  // forEach rather than for-of: no [key, value] pair per entry (the agent runs without an
  // optimizing compiler, so such temporaries are real allocations, for every container per tick).
  current.forEach((now, key) => {
    const before = previous.get(key);
    if (!before) return;
    rx += counterDelta(before.rx, now.rx, bits);
    tx += counterDelta(before.tx, now.tx, bits);
  });
  return { rx: rx / seconds, tx: tx / seconds };
}

/**
 * Fraction of CPU time busy between two /proc/stat readings, 0..1. Each part is clamped at 0
 * because iowait is known to go backwards on tickless kernels.
 */
export function cpuBusyFraction(previous: CpuTimes, current: CpuTimes): number {
  const busy = Math.max(0, current.busy - previous.busy);
  const idle = Math.max(0, current.idle - previous.idle);
  const total = busy + idle;
  return total > 0 ? Math.min(1, busy / total) : 0;
}
