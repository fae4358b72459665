/**
 * A simulated host's workloads after a migration moved some in or out, kept in its state dir,
 * so a restarted sim fleet comes back with the fleet as the moves left it (not as the seed
 * first generated it, which would undo every consolidation). Nothing is written until a
 * migration happens: a host that never took part in one is still generated from its seed.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { generateHostModel, type SimHostModel, type SimWorkload } from "./host-model.js";

const FILE = "sim-workloads.json";

const savedSchema = z.object({
  version: z.literal(1),
  seed: z.number(),
  workloads: z.array(
    z.object({ workload: z.record(z.string(), z.unknown()), profile: z.record(z.string(), z.unknown()) }).passthrough(),
  ),
  nextIndex: z.array(z.tuple([z.string(), z.number()])),
});

/** The host generated from its seed, with the workloads saved after its last migration if any. */
export function loadSimHostModel(seed: number, stateDir: string | undefined): SimHostModel {
  const model = generateHostModel(seed);
  if (!stateDir) return model;
  let text: string;
  try {
    text = readFileSync(join(stateDir, FILE), "utf8");
  } catch {
    return model; // never migrated
  }
  const saved = savedSchema.safeParse(JSON.parse(text));
  // Another seed's file (a reused state dir) or an unreadable one: the seed's own host.
  if (!saved.success || saved.data.seed !== seed) return model;
  model.workloads = saved.data.workloads as unknown as SimWorkload[];
  model.nextIndex = new Map(saved.data.nextIndex);
  return model;
}

export function saveSimHostModel(model: SimHostModel, stateDir: string): void {
  const file = join(stateDir, FILE);
  const data = { version: 1, seed: model.seed, workloads: model.workloads, nextIndex: [...model.nextIndex] };
  // Written whole, then renamed: a crash mid-write leaves the previous file.
  writeFileSync(`${file}.tmp`, JSON.stringify(data));
  renameSync(`${file}.tmp`, file);
}
