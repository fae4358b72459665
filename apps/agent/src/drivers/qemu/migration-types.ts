/**
 * What two agents hand each other, through the control plane, to live-migrate a VM:
 *   1. source `migrationSource(uuid)`        -> MigrationSource (definition + disk sizes)
 *   2. target `prepareIncoming(source, opts)` -> MigrationTarget (where to send RAM and disks)
 *   3. source `migrateOut(uuid, target)`      -> MigrationResult (times, bytes)
 *   4. target `awaitIncoming(uuid)`           -> resolves once the target runs the VM
 * All plain JSON, validated with zod where it crosses from one agent to the other.
 */
import { z } from "zod";
import { vmDefinitionSchema } from "./vm-definition.js";

/** shared: both hosts see the disk files at the same paths; copy: the disks travel with the migration. */
export const storageModeSchema = z.enum(["shared", "copy"]);
export type StorageMode = z.infer<typeof storageModeSchema>;

export const migrationSourceSchema = z.object({
  definition: vmDefinitionSchema,
  /** Virtual size in bytes of each disk, in definition order (a mirror target must match it). */
  diskSizes: z.array(z.number().int().nonnegative()),
});
export type MigrationSource = z.infer<typeof migrationSourceSchema>;

export const migrationTargetSchema = z.object({
  uuid: z.uuid(),
  /** Where the source's QEMU sends the migration stream. */
  uri: z.string().regex(/^tcp:[^,\s]+:\d+$/, "must be tcp:HOST:PORT"),
  storage: storageModeSchema,
  /** With storage copy: the target's NBD server, one writable export per copied disk. */
  nbd: z
    .object({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535),
      /** `device` is the drive id (disk0, disk1, ...) on both sides. */
      exports: z.array(z.object({ device: z.string(), name: z.string() })),
    })
    .optional(),
});
export type MigrationTarget = z.infer<typeof migrationTargetSchema>;

export interface MigrationResult {
  /** From the `migrate` command to completion, as QEMU measured it (RAM phase; disk copy excluded). */
  totalTimeMs: number;
  /** How long the guest was paused at switchover, as QEMU measured it. */
  downtimeMs: number;
  setupTimeMs: number;
  /** RAM stream bytes. */
  transferredBytes: number;
  /** Disk bytes mirrored before the RAM phase (0 with shared storage). */
  diskBytes: number;
  /** Wall time of the disk copy, before the RAM phase (0 with shared storage). */
  diskCopyMs: number;
  storage: StorageMode;
  /**
   * QEMU's timestamp (ms since the epoch) of the guest stopping here for the switchover; with
   * the target's `resumedAt` it gives the pause the guest saw, target start-up included
   * (across hosts only as exact as their clocks agree).
   */
  sourceStoppedAt: number | null;
}

/** The structured detail of each migration progress report (`data` of the progress callback). */
export interface MigrationProgress {
  phase: "disks" | "memory" | "switchover" | "completed";
  transferredBytes: number;
  remainingBytes: number;
  totalBytes: number;
  /** Throughput QEMU measured in the last iteration, megabits per second. */
  mbps: number;
  expectedDowntimeMs: number | null;
  diskCopiedBytes: number;
  diskTotalBytes: number;
  [key: string]: unknown;
}
