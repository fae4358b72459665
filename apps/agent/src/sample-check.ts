/**
 * A check every tick can afford for each sample: zod's parse builds a copy of each sample and
 * was ~30 % of the agent's allocations at 50 containers (an inspector allocation profile in the
 * resource benchmark). It accepts only what the protocol's sampleSchema accepts, and is never
 * the last word: a sample it does not pass goes to the schema (agent.ts).
 */
import type { Sample } from "@flotilla/protocol";

const REQUIRED_RATES = ["cpuCores", "memUsedBytes", "netRxBps", "netTxBps", "diskReadBps", "diskWriteBps"] as const;
const OPTIONAL_RATES = ["memTotalBytes", "load1"] as const;

const isRate = (value: unknown): boolean => typeof value === "number" && Number.isFinite(value) && value >= 0;

/** True only for a sample sampleSchema accepts; false says "ask the schema", not "invalid". */
export function plainlyValidSample(sample: Sample): boolean {
  if (!Number.isSafeInteger(sample.ts) || sample.ts < 0) return false;
  const target = sample.target as { kind?: unknown; id?: unknown } | undefined;
  if (!target || typeof target !== "object") return false;
  if (target.kind !== "host") {
    if (target.kind !== "container" && target.kind !== "vm") return false;
    if (typeof target.id !== "string" || target.id.length < 1 || target.id.length > 200) return false;
  }
  for (const field of REQUIRED_RATES) if (!isRate(sample[field])) return false;
  for (const field of OPTIONAL_RATES) if (sample[field] !== undefined && !isRate(sample[field])) return false;
  const ratio = sample.cpuRatio;
  return ratio === undefined || (isRate(ratio) && ratio <= 1);
}
