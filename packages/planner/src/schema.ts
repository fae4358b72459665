// The planner's wire format: what the control plane (or the CLI) hands in and gets back.
// Validated once at the boundary so the algorithms can trust their input.
import { z } from "zod";

const idSchema = z.string().min(1);
const amountSchema = z.number().finite().nonnegative();
const headroomSchema = z.number().gt(0).lte(1);

export const hostSchema = z.object({
  id: idSchema,
  cpu: z.number().finite().positive(),
  memoryMb: z.number().finite().positive(),
  maintenance: z.boolean().default(false),
});

export const workloadSchema = z.object({
  id: idSchema,
  kind: z.enum(["vm", "container"]),
  host: idSchema,
  cpu: amountSchema,
  memoryMb: amountSchema,
  antiAffinity: z.string().min(1).nullable().default(null),
  pinned: z.boolean().default(false),
});

export const policySchema = z.object({
  cpuHeadroom: headroomSchema,
  memoryHeadroom: headroomSchema,
});

export const planInputSchema = z.object({
  hosts: z.array(hostSchema),
  workloads: z.array(workloadSchema),
  policy: policySchema,
});

export const moveSchema = z.object({
  workload: idSchema,
  from: idSchema,
  to: idSchema,
  step: z.number().int().positive(),
  reason: z.string().min(1),
});

export const figuresSchema = z.object({
  hostsBefore: z.number().int().nonnegative(),
  hostsAfter: z.number().int().nonnegative(),
  lowerBound: z.number().int().nonnegative(),
  migrations: z.number().int().nonnegative(),
  bytesToMove: z.number().int().nonnegative(),
});

export const planSchema = z.object({
  placement: z.record(idSchema, idSchema),
  moves: z.array(moveSchema),
  figures: figuresSchema,
  /** What the plan could not fix but the operator should know (e.g. a host set aside as already overloaded). */
  warnings: z.array(z.string()).optional(),
});

export type Host = z.infer<typeof hostSchema>;
export type Workload = z.infer<typeof workloadSchema>;
export type Policy = z.infer<typeof policySchema>;
/** What callers may send: optional fields may be left out. */
export type PlanInputJson = z.input<typeof planInputSchema>;
export type PlanInput = z.infer<typeof planInputSchema>;
export type Move = z.infer<typeof moveSchema>;
export type Figures = z.infer<typeof figuresSchema>;
export type Plan = z.infer<typeof planSchema>;
