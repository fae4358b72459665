/** The HTTP exchange that turns a one-time enrolment token into an agent credential. */
import { z } from "zod";
import { hostInfoSchema } from "./common.js";

export const enrollRequestSchema = z.object({
  token: z.string().min(16).max(200),
  host: hostInfoSchema,
  agentVersion: z.string().min(1).max(64),
});

export const enrollResponseSchema = z.object({
  agentId: z.string(),
  hostId: z.string(),
  /** Shown once; the server keeps only its hash. Sent as `Authorization: Bearer <agentId>.<secret>`. */
  secret: z.string().min(32),
});

export type EnrollRequest = z.infer<typeof enrollRequestSchema>;
export type EnrollResponse = z.infer<typeof enrollResponseSchema>;
