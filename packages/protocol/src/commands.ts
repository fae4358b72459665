/**
 * Typed commands the control plane may ask an agent to run. The agent runs
 * nothing else: no shell strings, no free-form arguments. Every payload is strict
 * (unknown keys are refused), so a field an agent does not understand is never ignored.
 * New commands are added to `commandSchema` (an addition, not a protocol bump): an agent that
 * does not know a name answers `unknown_command`.
 */
import { z } from "zod";
import { idSchema, timestampSchema } from "./common.js";
import {
  vmAbortIncomingPayloadSchema,
  vmClonePayloadSchema,
  vmCreatePayloadSchema,
  vmDeletePayloadSchema,
  vmFinishSourcePayloadSchema,
  vmMigrateOutPayloadSchema,
  vmPrepareIncomingPayloadSchema,
  vmSetMemoryPayloadSchema,
  vmShutdownPayloadSchema,
  vmSnapshotPayloadSchema,
  vmTargetPayloadSchema,
} from "./vm-commands.js";

export * from "./vm-commands.js";

/** One command: its literal name and its strict payload. */
function command<N extends string, P extends z.ZodType>(name: N, payload: P) {
  return z.object({ name: z.literal(name), payload });
}

// ---------- building blocks of the container commands ----------

const domainPart = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
// Like `docker pull`, a first component is a registry only with a dot, a port, or "localhost".
const domain = `(?:${domainPart}(?:\\.${domainPart})+(?::[0-9]{1,5})?|${domainPart}:[0-9]{1,5}|localhost|\\[[0-9a-fA-F:]+\\](?::[0-9]{1,5})?)`;
const pathPart = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const tag = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
const digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
/** Docker's reference grammar: [registry[:port]/]path[:tag][@digest]. */
const IMAGE_REFERENCE = new RegExp(`^(?:${domain}/)?${pathPart}(?:/${pathPart})*(?::${tag})?(?:@${digest})?$`);

/** An image reference such as `nginx`, `nginx:1.27`, `127.0.0.1:5000/team/app:v2` or `app@sha256:…`. */
export const imageReferenceSchema = z
  .string()
  .min(1)
  .max(512)
  .regex(IMAGE_REFERENCE, "is not a valid image reference (like nginx:1.27 or registry:5000/team/app:v2)");

/** Docker's container name rule: at least two characters, starting with a letter or digit. */
export const containerNameSchema = z
  .string()
  .regex(
    /^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,127}$/,
    "must be letters, digits, '_', '.' or '-', starting with one of the first two",
  );

const absolutePath = z.string().min(1).max(4096).regex(/^\//, "must be an absolute path");

export const containerPortSchema = z
  .object({
    /** Address on the host to bind; omitted means all addresses. */
    hostIp: z.union([z.ipv4(), z.ipv6()]).optional(),
    /** Omitted or 0: the engine picks a free port. */
    hostPort: z.number().int().min(0).max(65535).optional(),
    containerPort: z.number().int().min(1).max(65535),
    protocol: z.enum(["tcp", "udp"]).default("tcp"),
  })
  .strict();

export const containerVolumeSchema = z
  .object({
    /** An absolute host path (bind mount) or a named volume. */
    source: z
      .string()
      .min(1)
      .max(4096)
      .regex(/^(\/.*|[a-zA-Z0-9][a-zA-Z0-9_.-]*)$/, "must be an absolute host path or a volume name"),
    target: absolutePath,
    readOnly: z.boolean().default(false),
  })
  .strict();

export const restartPolicySchema = z.discriminatedUnion("name", [
  z.object({ name: z.literal("no") }).strict(),
  z.object({ name: z.literal("always") }).strict(),
  z.object({ name: z.literal("unless-stopped") }).strict(),
  z.object({ name: z.literal("on-failure"), maxRetries: z.number().int().min(0).max(1000).optional() }).strict(),
]);

const labelsSchema = z.record(z.string().min(1).max(255), z.string().max(4096));

export const containerCreatePayloadSchema = z
  .object({
    image: imageReferenceSchema,
    /** Omitted: the engine picks one. */
    name: containerNameSchema.optional(),
    ports: z.array(containerPortSchema).max(256).default([]),
    env: z
      .record(z.string().regex(/^[^=\0]{1,255}$/, "must not be empty or contain '='"), z.string().max(32_768))
      .default({}),
    volumes: z.array(containerVolumeSchema).max(128).default([]),
    /** argv passed to the image's entrypoint; omitted: the image's own CMD. Never a shell string. */
    command: z.array(z.string().max(4096)).max(256).optional(),
    restartPolicy: restartPolicySchema.default({ name: "no" }),
    /** CPU limit in cores (1.5 = one and a half). */
    cpus: z.number().positive().max(1024).optional(),
    memoryBytes: z.number().int().positive().optional(),
    labels: labelsSchema.default({}),
    /** Start the container once created. */
    start: z.boolean().default(true),
  })
  .strict();

/**
 * The target of container.start|stop|restart|remove. `force`: stop/restart kill without the
 * grace period, remove also removes a running container; ignored by start. `timeoutSeconds`:
 * grace period before the engine kills (stop, restart).
 */
export const containerActionPayloadSchema = z
  .object({
    workloadId: idSchema,
    force: z.boolean().optional(),
    timeoutSeconds: z.number().int().min(0).max(3600).optional(),
  })
  .strict();

export const registryAuthSchema = z
  .object({
    username: z.string().min(1).max(255),
    password: z.string().max(4096),
    serverAddress: z.string().max(255).optional(),
  })
  .strict();

export const blobRefSchema = z
  .object({
    /** Fetched with the agent's own credential from `GET /api/agent/blobs/<blobId>`. */
    blobId: idSchema,
    /** Lower-case hex sha256 of the bytes; the agent checks it before use. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    size: z.number().int().nonnegative(),
  })
  .strict();

// ---------- the commands ----------

export const commandSchema = z.discriminatedUnion("name", [
  /** Send a full inventory now. */
  command("inventory.refresh", z.object({}).strict()),
  /** Change the collection interval (1 s .. 1 h). */
  command("metrics.set_interval", z.object({ intervalMs: z.number().int().min(1000).max(3_600_000) }).strict()),
  /** Stop a workload by the driver's id. */
  command("workload.stop", z.object({ workloadId: idSchema, force: z.boolean().default(false) }).strict()),
  command("workload.start", z.object({ workloadId: idSchema }).strict()),
  /** Create (and by default start) a container. Result: `containerCreateResultSchema`. */
  command("container.create", containerCreatePayloadSchema),
  command("container.start", containerActionPayloadSchema),
  command("container.stop", containerActionPayloadSchema),
  command("container.restart", containerActionPayloadSchema),
  command("container.remove", containerActionPayloadSchema),
  /** A container's create config as the engine holds it (for a cold migration). Result: `containerInspectResultSchema`. */
  command("container.inspect", z.object({ workloadId: idSchema }).strict()),
  /**
   * A container's logs, streamed as command_progress frames whose `data` is a
   * `commandOutputSchema` chunk. `tail` omitted: everything; `since` in ms. With `follow` the
   * command runs until cancelled, the container stops, or the deadline.
   */
  command(
    "container.logs",
    z
      .object({
        workloadId: idSchema,
        follow: z.boolean().default(false),
        tail: z.number().int().min(0).max(100_000).optional(),
        since: timestampSchema.optional(),
        timestamps: z.boolean().default(false),
      })
      .strict(),
  ),
  /** Images on the host. Result: `imageListResultSchema`. */
  command("image.list", z.object({}).strict()),
  /**
   * Pull an image. `auth` is never stored with the command: the server fills it in from stored
   * registry credentials when it sends the command.
   */
  command("image.pull", z.object({ reference: imageReferenceSchema, auth: registryAuthSchema.optional() }).strict()),
  /**
   * Build an image from a tar build context the agent downloads from the server. Output is
   * streamed like container.logs. `dockerfile` is a path inside the context.
   */
  command(
    "image.build",
    z
      .object({
        tag: imageReferenceSchema,
        dockerfile: z.string().min(1).max(1024).default("Dockerfile"),
        context: blobRefSchema,
        buildArgs: z.record(z.string().min(1).max(255), z.string().max(32_768)).default({}),
      })
      .strict(),
  ),
  // VMs (qemu driver); payloads and results in vm-commands.ts. `workloadId` is the VM's uuid.
  command("vm.create", vmCreatePayloadSchema),
  command("vm.start", vmTargetPayloadSchema),
  /** ACPI power button; QEMU is quit when the guest has not powered off within the grace. */
  command("vm.shutdown", vmShutdownPayloadSchema),
  /** Pull the plug. */
  command("vm.poweroff", vmTargetPayloadSchema),
  command("vm.pause", vmTargetPayloadSchema),
  command("vm.resume", vmTargetPayloadSchema),
  command("vm.reboot", vmTargetPayloadSchema),
  /** Through the balloon, up to the memory it started with. Result `{memoryMiB, memoryBytes}` (what the guest has). */
  command("vm.set_memory", vmSetMemoryPayloadSchema),
  command("vm.snapshot.create", vmSnapshotPayloadSchema),
  /** Result `{snapshots: [...]}`. */
  command("vm.snapshot.list", vmTargetPayloadSchema),
  command("vm.snapshot.revert", vmSnapshotPayloadSchema),
  command("vm.snapshot.delete", vmSnapshotPayloadSchema),
  /** Of a stopped VM. Result `{workloadId, name}`. */
  command("vm.clone", vmClonePayloadSchema),
  command("vm.delete", vmDeletePayloadSchema),
  /** Migration step 1 (source). Result: `vmMigrationSourceSchema`. */
  command("vm.migration.source", vmTargetPayloadSchema),
  /** Step 2 (target): an incoming QEMU. Result: `vmMigrationTargetSchema`. */
  command("vm.migration.prepare_incoming", vmPrepareIncomingPayloadSchema),
  /** Step 3 (source): progress data `vmMigrationProgressSchema`, result `vmMigrateOutResultSchema`. */
  command("vm.migration.migrate_out", vmMigrateOutPayloadSchema),
  /** Step 4 (target): resolves once the VM arrived and was confirmed running there (or not). Result: `vmAwaitIncomingResultSchema`. */
  command("vm.migration.await_incoming", vmTargetPayloadSchema),
  /** Step 5 (source): remove the migrated VM here, or resume it when the target did not confirm. */
  command("vm.migration.finish_source", vmFinishSourcePayloadSchema),
  /** On failure or cancel: the target removes its incoming QEMU and copied disks. */
  command("vm.migration.abort_incoming", vmAbortIncomingPayloadSchema),
]);

export type Command = z.infer<typeof commandSchema>;
/** What a sender builds: payload defaults may be left out. */
export type CommandInput = z.input<typeof commandSchema>;
export type CommandName = Command["name"];
export type CommandOf<N extends CommandName> = Extract<Command, { name: N }>;
export type CommandPayload<N extends CommandName> = CommandOf<N>["payload"];

export const COMMAND_NAMES: readonly CommandName[] = commandSchema.options.map((o) => o.shape.name.value);

export function isCommandName(name: string): name is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(name);
}

/**
 * Commands whose work an agent abandons on a `cancel` frame (they also end at their deadline).
 * Any command the server has not yet sent can be withdrawn; these can also be stopped while
 * they run.
 */
export const CANCELLABLE_COMMANDS = [
  "container.logs",
  "image.build",
  "image.pull",
  "vm.clone",
  "vm.migration.migrate_out",
] as const satisfies readonly CommandName[];

export function isCancellable(name: string): boolean {
  return (CANCELLABLE_COMMANDS as readonly string[]).includes(name);
}

/** `command_result.error.code`: why a command did not succeed. */
export const commandErrorCodeSchema = z.enum([
  /** The agent has no handler for this name (an older agent, or a host without the driver). */
  "unknown_command",
  /** The name is known but the payload failed validation on the agent. */
  "invalid_command",
  /** The operation ran and failed; `message` carries the runtime's own words. */
  "command_failed",
  /** The deadline passed before or while it ran. */
  "deadline_exceeded",
  /** The agent stopped (crash, kill, power loss) while it ran; it is never run again. */
  "interrupted",
  /** The workload or image it names does not exist on the host. */
  "not_found",
  /** The host's driver cannot do this. */
  "unsupported",
  /** Stopped by a `cancel` frame. */
  "cancelled",
]);
export type CommandErrorCode = z.infer<typeof commandErrorCodeSchema>;

// ---------- what commands stream and return ----------

/** `command_progress.data` of commands that stream output (container.logs, image.build, image.pull). */
export const commandOutputSchema = z.object({
  stream: z.enum(["stdout", "stderr"]),
  lines: z.array(z.string().max(16_384)).max(1000),
});
export type CommandOutput = z.infer<typeof commandOutputSchema>;

export const containerCreateResultSchema = z.object({
  workloadId: idSchema,
  name: z.string(),
  started: z.boolean(),
  warnings: z.array(z.string()).default([]),
});

/**
 * container.inspect: the container's config in container.create's own terms (so it can be
 * recreated elsewhere), and its mounts: named volumes and bind mounts live on this host only.
 */
export const containerInspectResultSchema = z.object({
  config: containerCreatePayloadSchema.omit({ start: true }),
  mounts: z.array(
    z.object({
      type: z.enum(["bind", "volume", "tmpfs", "other"]),
      /** The host path or the volume's name. */
      source: z.string(),
      target: z.string(),
      readOnly: z.boolean(),
    }),
  ),
});

export const imageListResultSchema = z.object({
  images: z.array(
    z.object({
      id: z.string(),
      tags: z.array(z.string()),
      sizeBytes: z.number().nonnegative(),
      createdAt: timestampSchema.optional(),
    }),
  ),
});

export const imageBuildResultSchema = z.object({ imageId: z.string(), tag: z.string() });
export const imagePullResultSchema = z.object({ reference: z.string(), digest: z.string().optional() });
