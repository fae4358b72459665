/**
 * A check every tick can afford for each sample: zod's parse builds a copy of each sample and
 * was ~30 % of the agent's allocations at 50 containers (an inspector allocation profile in the
 * resource benchmark), and a large part of the gateway's CPU per metrics frame. It accepts only
 * what the protocol's sampleSchema accepts, and is never the last word: a sample or frame it does
 * not pass goes to the schema (the agent's tick, decodeAgentFrame).
 */
import { MAX_TIMESTAMP_MS, type Sample } from "./common.js";
import { MAX_SAMPLES_PER_BATCH } from "./frames.js";

const REQUIRED_RATES = ["cpuCores", "memUsedBytes", "netRxBps", "netTxBps", "diskReadBps", "diskWriteBps"] as const;
const OPTIONAL_RATES = ["memTotalBytes", "load1"] as const;

const isRate = (value: unknown): boolean => typeof value === "number" && Number.isFinite(value) && value >= 0;

/** True only for a sample sampleSchema accepts; false says "ask the schema", not "invalid". */
export function plainlyValidSample(sample: Sample): boolean {
  if (!Number.isSafeInteger(sample.ts) || sample.ts < 0 || sample.ts > MAX_TIMESTAMP_MS) return false;
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

/**
 * True only for a metrics frame metricsFrameSchema accepts (its samples unchanged by parsing:
 * the schema's optional fields have no defaults); false says "ask the schema".
 */
export function plainlyValidMetricsFrame(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const frame = value as { type?: unknown; seq?: unknown; samples?: unknown };
  if (frame.type !== "metrics" || !Number.isSafeInteger(frame.seq) || (frame.seq as number) <= 0) return false;
  const samples = frame.samples;
  if (!Array.isArray(samples) || samples.length < 1 || samples.length > MAX_SAMPLES_PER_BATCH) return false;
  for (const s of samples) if (typeof s !== "object" || s === null || !plainlyValidSample(s as Sample)) return false;
  return true;
}
