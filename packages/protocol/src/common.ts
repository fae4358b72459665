/** Building blocks shared by the frames in both directions. */
import { z } from "zod";

/** The latest time a JavaScript Date can hold (year 275760): later is a broken clock, not a time. */
export const MAX_TIMESTAMP_MS = 8_640_000_000_000_000;
/** Milliseconds since the Unix epoch (UTC). */
export const timestampSchema = z.number().int().nonnegative().max(MAX_TIMESTAMP_MS);
export const idSchema = z.string().min(1).max(200);

export const workloadKindSchema = z.enum(["vm", "container"]);
export type WorkloadKind = z.infer<typeof workloadKindSchema>;

export const driverNameSchema = z.enum(["proc", "docker", "qemu", "libvirt", "sim"]);
export type DriverName = z.infer<typeof driverNameSchema>;

/** What a sample describes: the host itself, or one of its workloads (by the driver's id). */
export const sampleTargetSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("host") }),
  z.object({ kind: workloadKindSchema, id: idSchema }),
]);
export type SampleTarget = z.infer<typeof sampleTargetSchema>;

const rate = z.number().finite().nonnegative();

/**
 * One wide row per host or workload per tick. Rates are per second over the
 * interval that ended at `ts`. Fields a collector cannot measure are omitted.
 */
export const sampleSchema = z.object({
  ts: timestampSchema,
  target: sampleTargetSchema,
  /** CPU in use, in cores (1.5 = one and a half cores busy). */
  cpuCores: rate,
  /** CPU in use as a fraction of the target's capacity, 0..1. */
  cpuRatio: z.number().finite().min(0).max(1).optional(),
  memUsedBytes: rate,
  memTotalBytes: rate.optional(),
  netRxBps: rate,
  netTxBps: rate,
  diskReadBps: rate,
  diskWriteBps: rate,
  /** Host only: 1-minute load average. */
  load1: rate.optional(),
});
export type Sample = z.infer<typeof sampleSchema>;

export const portMappingSchema = z.object({
  hostIp: z.string().max(64).optional(),
  hostPort: z.number().int().min(0).max(65535).optional(),
  containerPort: z.number().int().min(1).max(65535),
  protocol: z.enum(["tcp", "udp"]).default("tcp"),
});
export type PortMapping = z.infer<typeof portMappingSchema>;

/** A VM or a container as its driver reports it. */
export const workloadSchema = z.object({
  /** The driver's own id (container id, VM uuid); unique on the host. */
  id: idSchema,
  name: z.string().max(255),
  kind: workloadKindSchema,
  driver: driverNameSchema,
  /** Driver state, normalised: running, paused, stopped, created, restarting, exited, dead. */
  state: z.enum(["running", "paused", "stopped", "created", "restarting", "exited", "dead", "unknown"]),
  /** Container image or VM disk. */
  image: z.string().max(1000).optional(),
  vcpus: z.number().nonnegative().optional(),
  memoryBytes: z.number().int().nonnegative().optional(),
  ports: z.array(portMappingSchema).max(1000).default([]),
  labels: z.record(z.string().max(255), z.string().max(4096)).default({}),
  createdAt: timestampSchema.optional(),
  startedAt: timestampSchema.optional(),
});
export type Workload = z.infer<typeof workloadSchema>;

/** Identity and capacity of the physical host the agent runs on. */
export const hostInfoSchema = z.object({
  /** Stable host id (from /etc/machine-id, or generated once and kept in the state dir). */
  machineId: idSchema,
  hostname: z.string().min(1).max(255),
  cpuModel: z.string().max(255),
  cpuCores: z.number().int().positive(),
  memoryBytes: z.number().int().positive(),
  os: z.string().max(255),
  kernel: z.string().max(255),
  arch: z.string().max(64),
  /** Hardware virtualisation available (/dev/kvm). */
  kvm: z.boolean(),
  drivers: z.array(driverNameSchema).max(16),
});
export type HostInfo = z.infer<typeof hostInfoSchema>;

export const errorCodeSchema = z.enum([
  "invalid_frame",
  "unexpected_frame",
  "protocol_version",
  "unauthorized",
  "internal",
  "unknown_command",
  "command_failed",
]);
export type ErrorCode = z.infer<typeof errorCodeSchema>;
