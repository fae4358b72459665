/**
 * Payloads and results of the `vm.*` commands (the qemu driver's VM lifecycle, snapshots, clones
 * and the four steps of a live migration). Kept beside commands.ts, which lists them in
 * `commandSchema`; the agent's driver re-validates what it takes from another agent (a VM
 * definition) against its own, stricter schema, since this package cannot import it.
 */
import { z } from "zod";
import { idSchema } from "./common.js";

const absolutePath = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^\/[^\0\n\r]*$/, "must be an absolute path");
const vmNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "must be 1-63 letters, digits, '.', '_' or '-'");
const snapshotNameSchema = vmNameSchema;
const ifname = z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/, "invalid interface name");

export const vmNetworkSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("none") }).strict(),
  /** User-mode networking; guest ports reach the host through forwards (loopback by default). */
  z
    .object({
      mode: z.literal("user"),
      hostfwd: z
        .array(
          z
            .object({
              protocol: z.enum(["tcp", "udp"]).default("tcp"),
              hostIp: z.ipv4().default("127.0.0.1"),
              hostPort: z.number().int().min(1).max(65535),
              guestPort: z.number().int().min(1).max(65535),
            })
            .strict(),
        )
        .max(64)
        .default([]),
    })
    .strict(),
  /** A tap device, attached to `bridge` when given. */
  z.object({ mode: z.literal("tap"), ifname, bridge: ifname.optional() }).strict(),
]);

/** vm.create: a VM whose first disk is a qcow2 overlay on a template disk. Result: `vmCreateResultSchema`. */
export const vmCreatePayloadSchema = z
  .object({
    name: vmNameSchema,
    /** A template disk on the host (qcow2 or raw); it must not change afterwards. */
    templateDisk: absolutePath,
    vcpus: z.number().int().min(1).max(256).default(1),
    memoryMiB: z
      .number()
      .int()
      .min(16)
      .max(4 * 1024 * 1024)
      .default(512),
    /** Grows the first disk; never below the template's size. */
    diskSizeMiB: z.number().int().min(1).optional(),
    /** Blank data disks after the first, in MiB. */
    extraDisksMiB: z.array(z.number().int().min(1)).max(15).default([]),
    network: vmNetworkSchema.default({ mode: "none" }),
    /** Direct kernel boot (appliances, test guests); omitted: boot from the disk. */
    kernel: z
      .object({
        path: absolutePath,
        initrd: absolutePath.optional(),
        append: z
          .string()
          .max(4096)
          .regex(/^[^\0\n\r]*$/, "must be one line")
          .optional(),
      })
      .strict()
      .optional(),
    labels: z.record(z.string().min(1).max(255), z.string().max(4096)).default({}),
    /** Start it once defined. */
    start: z.boolean().default(false),
  })
  .strict();

export const vmTargetPayloadSchema = z.object({ workloadId: idSchema }).strict();
export const vmShutdownPayloadSchema = z
  .object({
    workloadId: idSchema,
    /** Grace for the guest to power off after ACPI before QEMU is quit (default 60 s). */
    timeoutSeconds: z.number().int().min(1).max(3600).optional(),
  })
  .strict();
export const vmSetMemoryPayloadSchema = z
  .object({
    workloadId: idSchema,
    memoryMiB: z
      .number()
      .int()
      .min(16)
      .max(4 * 1024 * 1024),
  })
  .strict();
export const vmSnapshotPayloadSchema = z.object({ workloadId: idSchema, name: snapshotNameSchema }).strict();
export const vmClonePayloadSchema = z
  .object({
    workloadId: idSchema,
    name: vmNameSchema,
    /** full: standalone copies of the disks; linked: overlays (template VMs only). */
    mode: z.enum(["full", "linked"]).default("full"),
  })
  .strict();
export const vmDeletePayloadSchema = z
  .object({ workloadId: idSchema, deleteDisks: z.boolean().default(false) })
  .strict();

// ---------- live migration ----------

export const vmStorageModeSchema = z.enum(["shared", "copy"]);

/** What the source reports (step 1) and the target prepares from (step 2). */
export const vmMigrationSourceSchema = z
  .object({
    /** The source's VM definition; the target agent validates it against its driver's schema. */
    definition: z.record(z.string(), z.unknown()),
    /** Virtual size in bytes of each disk, in definition order. */
    diskSizes: z.array(z.number().int().nonnegative()).max(16),
  })
  .strict();

/** Where the source sends the VM (step 2's result, step 3's input). */
export const vmMigrationTargetSchema = z
  .object({
    uuid: z.uuid(),
    uri: z.string().regex(/^tcp:[^,\s]+:\d+$/, "must be tcp:HOST:PORT"),
    storage: vmStorageModeSchema,
    nbd: z
      .object({
        host: z.string().min(1).max(255),
        port: z.number().int().min(1).max(65535),
        exports: z.array(z.object({ device: z.string().max(64), name: z.string().max(255) }).strict()).max(16),
      })
      .strict()
      .optional(),
  })
  .strict();

export const vmPrepareIncomingPayloadSchema = z
  .object({
    source: vmMigrationSourceSchema,
    /** The address the source reaches the target on; QEMU listens there. */
    listenHost: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/, "must be an IPv4 address or a host name"),
    port: z.number().int().min(1).max(65535).optional(),
    storage: vmStorageModeSchema,
    /** The target gives up and cleans up when the VM has not arrived by then. */
    timeoutMs: z
      .number()
      .int()
      .min(1000)
      .max(24 * 3_600_000)
      .optional(),
  })
  .strict();

export const vmMigrateOutPayloadSchema = z
  .object({
    workloadId: idSchema,
    target: vmMigrationTargetSchema,
    downtimeLimitMs: z.number().int().min(1).max(60_000).optional(),
    maxBandwidthBytesPerSec: z.number().int().min(1).optional(),
  })
  .strict();

export const vmAbortIncomingPayloadSchema = z
  .object({ workloadId: idSchema, reason: z.string().max(1000).optional() })
  .strict();

/**
 * Step 5 (source), after step 4 said whether the VM runs on the target. confirmed: it does, so
 * the paused QEMU left here is quit and the VM removed from this host (with its disks when they
 * were copied). failed: the target did not confirm and removed its copy, so the VM resumes here.
 */
export const vmFinishSourcePayloadSchema = z
  .object({
    workloadId: idSchema,
    outcome: z.enum(["confirmed", "failed"]),
    storage: vmStorageModeSchema,
    reason: z.string().max(1000).optional(),
  })
  .strict();

/** `command_progress.data` of vm.migration.migrate_out. */
export const vmMigrationProgressSchema = z.object({
  phase: z.enum(["disks", "memory", "switchover", "completed"]),
  transferredBytes: z.number().nonnegative(),
  remainingBytes: z.number().nonnegative(),
  totalBytes: z.number().nonnegative(),
  mbps: z.number().nonnegative(),
  expectedDowntimeMs: z.number().nonnegative().nullable(),
  diskCopiedBytes: z.number().nonnegative().optional(),
  diskTotalBytes: z.number().nonnegative().optional(),
});
export type VmMigrationProgress = z.infer<typeof vmMigrationProgressSchema>;

// ---------- results ----------

export const vmCreateResultSchema = z.object({ workloadId: z.string(), name: z.string(), started: z.boolean() });
/** vm.migration.migrate_out's result, as QEMU measured it. */
export const vmMigrateOutResultSchema = z.object({
  totalTimeMs: z.number(),
  downtimeMs: z.number(),
  setupTimeMs: z.number(),
  transferredBytes: z.number(),
  diskBytes: z.number(),
  diskCopyMs: z.number(),
  storage: vmStorageModeSchema,
  sourceStoppedAt: z.number().nullable(),
  /** The agent's clock when QMP `migrate` (or the first disk mirror) was issued. */
  migrateIssuedAt: z.number().nullable().optional(),
});
/**
 * vm.migration.await_incoming's result. confirmed: the VM arrived and QEMU reports it running
 * (then also arrivedAt). Not confirmed: it arrived but did not run, and the target removed its
 * copy: the source may resume the VM (vm.migration.finish_source, outcome failed).
 */
export const vmAwaitIncomingResultSchema = z.object({
  confirmed: z.boolean(),
  arrivedAt: z.number().nullable(),
  resumedAt: z.number().nullable(),
  reason: z.string().optional(),
});
