/**
 * Every frame exchanged on the agent WebSocket. Frames are JSON text messages,
 * one object each, told apart by `type`. Both sides validate every frame.
 */
import { z } from "zod";
import { commandErrorCodeSchema, commandSchema } from "./commands.js";
import {
  driverNameSchema,
  errorCodeSchema,
  hostInfoSchema,
  idSchema,
  sampleSchema,
  timestampSchema,
  workloadSchema,
} from "./common.js";

/** Largest metrics batch an agent may send; bigger backlogs go in several batches. */
export const MAX_SAMPLES_PER_BATCH = 5000;
/** Largest frame the gateway accepts, in bytes. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

const seqSchema = z.number().int().positive();
const detailSchema = z.record(z.string(), z.unknown());

// ---------- agent -> server ----------

export const helloFrameSchema = z.object({
  type: z.literal("hello"),
  protocol: z.number().int().positive(),
  agentId: idSchema,
  agentVersion: z.string().min(1).max(64),
  /** Random id of this agent process run; lets the server count samples per boot. */
  bootId: idSchema,
  capabilities: z.array(z.string().max(64)).max(64).default([]),
  drivers: z.array(driverNameSchema).max(16),
  intervalMs: z.number().int().min(1000).max(3_600_000),
});

export const inventoryFrameSchema = z
  .object({
    type: z.literal("inventory"),
    /** true: `workloads` is everything on the host; false: a delta. */
    full: z.boolean(),
    /** Required when full. */
    host: hostInfoSchema.optional(),
    /** Full: all workloads. Delta: workloads that appeared or changed. */
    workloads: z.array(workloadSchema).max(10_000),
    /** Delta only: ids of workloads that are gone. */
    removed: z.array(idSchema).max(10_000).default([]),
  })
  .refine((f) => !f.full || f.host !== undefined, {
    message: "a full inventory must include host",
    path: ["host"],
  });

export const metricsFrameSchema = z.object({
  type: z.literal("metrics"),
  /** Per-agent sequence number, strictly increasing across the agent's restarts. */
  seq: seqSchema,
  samples: z.array(sampleSchema).min(1).max(MAX_SAMPLES_PER_BATCH),
});

export const eventFrameSchema = z.object({
  type: z.literal("event"),
  /** Unique per event (a UUID): a resent event is recorded once. */
  id: idSchema,
  ts: timestampSchema,
  kind: z.enum([
    "workload.started",
    "workload.stopped",
    "workload.exited",
    "workload.paused",
    "workload.resumed",
    "workload.created",
    "workload.removed",
    "spool.gap",
    "agent.warning",
  ]),
  workloadId: idSchema.optional(),
  message: z.string().max(4096),
  data: detailSchema.optional(),
});

export const commandProgressFrameSchema = z.object({
  type: z.literal("command_progress"),
  commandId: idSchema,
  ts: timestampSchema,
  /** 0..1 when the agent can tell how far it is. */
  progress: z.number().min(0).max(1).optional(),
  message: z.string().max(4096).optional(),
  data: detailSchema.optional(),
});

export const commandResultFrameSchema = z.object({
  type: z.literal("command_result"),
  commandId: idSchema,
  ts: timestampSchema,
  ok: z.boolean(),
  result: detailSchema.optional(),
  /**
   * Present when ok is false. A code this side does not know (from a newer peer) reads as
   * `command_failed`, so the result itself is never lost.
   */
  error: z.object({ code: commandErrorCodeSchema.catch("command_failed"), message: z.string().max(4096) }).optional(),
});

export const pingFrameSchema = z.object({ type: z.literal("ping"), nonce: z.string().max(64) });
export const pongFrameSchema = z.object({ type: z.literal("pong"), nonce: z.string().max(64) });

export const errorFrameSchema = z.object({
  type: z.literal("error"),
  code: errorCodeSchema,
  message: z.string().max(4096),
  /**
   * What the error refers to: for a refused or unstorable metrics batch its `seq` (decimal),
   * for a command its id, otherwise the offending frame's type.
   */
  ref: z.string().max(200).optional(),
});

export const agentFrameSchema = z.discriminatedUnion("type", [
  helloFrameSchema,
  inventoryFrameSchema,
  metricsFrameSchema,
  eventFrameSchema,
  commandProgressFrameSchema,
  commandResultFrameSchema,
  pingFrameSchema,
  pongFrameSchema,
  errorFrameSchema,
]);

// ---------- server -> agent ----------

export const welcomeFrameSchema = z.object({
  type: z.literal("welcome"),
  protocol: z.number().int().positive(),
  hostId: idSchema,
  serverTime: timestampSchema,
  /** Highest metrics seq the server has committed for this agent (0: none). */
  lastSeq: z.number().int().nonnegative(),
});

/**
 * Acknowledges ONE metrics batch (not "everything up to seq"): acks are per seq. The gateway
 * commits one agent's batches in the order they arrive on the connection, so acks come in
 * seq order for batches sent in seq order.
 */
export const ackFrameSchema = z.object({
  type: z.literal("ack"),
  /** The metrics batch now durably stored. */
  seq: seqSchema,
  /** true when the server already had this batch and stored nothing new. */
  duplicate: z.boolean().default(false),
});

export const commandFrameSchema = z.object({
  type: z.literal("command"),
  /** Unique command id: the agent runs each id at most once. */
  id: idSchema,
  /** The agent should give up (and report failure) after this time. */
  deadline: timestampSchema,
  command: commandSchema,
});

/**
 * Stop a running command (see CANCELLABLE_COMMANDS). The agent answers with the command's
 * `command_result` (code `cancelled`, or its real outcome if it finished first). A cancel for
 * an id the agent has not seen yet is remembered: that command is answered `cancelled` and
 * never run. Sent again after reconnects until the command is finished; repeats are harmless.
 */
export const cancelFrameSchema = z.object({
  type: z.literal("cancel"),
  commandId: idSchema,
});

export const serverFrameSchema = z.discriminatedUnion("type", [
  welcomeFrameSchema,
  ackFrameSchema,
  commandFrameSchema,
  cancelFrameSchema,
  pingFrameSchema,
  pongFrameSchema,
  errorFrameSchema,
]);

export type HelloFrame = z.infer<typeof helloFrameSchema>;
export type InventoryFrame = z.infer<typeof inventoryFrameSchema>;
export type MetricsFrame = z.infer<typeof metricsFrameSchema>;
export type EventFrame = z.infer<typeof eventFrameSchema>;
export type CommandProgressFrame = z.infer<typeof commandProgressFrameSchema>;
export type CommandResultFrame = z.infer<typeof commandResultFrameSchema>;
export type ErrorFrame = z.infer<typeof errorFrameSchema>;
export type WelcomeFrame = z.infer<typeof welcomeFrameSchema>;
export type AckFrame = z.infer<typeof ackFrameSchema>;
export type CommandFrame = z.infer<typeof commandFrameSchema>;
export type CancelFrame = z.infer<typeof cancelFrameSchema>;
export type AgentFrame = z.infer<typeof agentFrameSchema>;
export type ServerFrame = z.infer<typeof serverFrameSchema>;
/** What a sender builds: defaults may be left out. */
export type AgentFrameInput = z.input<typeof agentFrameSchema>;
export type ServerFrameInput = z.input<typeof serverFrameSchema>;
