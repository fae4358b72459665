/**
 * Typed commands the control plane may ask an agent to run. The agent runs
 * nothing else: no shell strings, no free-form arguments.
 */
import { z } from "zod";
import { idSchema } from "./common.js";

export const commandSchema = z.discriminatedUnion("name", [
  /** Send a full inventory now. */
  z.object({ name: z.literal("inventory.refresh"), payload: z.object({}).strict() }),
  /** Change the collection interval (1 s .. 1 h). */
  z.object({
    name: z.literal("metrics.set_interval"),
    payload: z.object({ intervalMs: z.number().int().min(1000).max(3_600_000) }).strict(),
  }),
  /** Stop a workload by the driver's id. */
  z.object({
    name: z.literal("workload.stop"),
    payload: z.object({ workloadId: idSchema, force: z.boolean().default(false) }).strict(),
  }),
  z.object({
    name: z.literal("workload.start"),
    payload: z.object({ workloadId: idSchema }).strict(),
  }),
]);
export type Command = z.infer<typeof commandSchema>;
export type CommandName = Command["name"];
