/**
 * Starting a cold migration of a container. Its create config is read back from the source
 * engine (container.inspect) BEFORE anything moves, for two reasons: named volumes and bind
 * mounts live on the source host only, so they are called out and the move refused unless the
 * caller accepts losing them; and the stored config is what the target recreates, whatever
 * happens to the source afterwards (a resumed migration does not need the source engine).
 */

import type { Workload } from "@flotilla/db";
import { type Command, containerInspectResultSchema } from "@flotilla/protocol";
import type { z } from "zod";
import { type CommandContext, requestCommand } from "../commands/request-command.js";
import { AppError } from "../errors.js";
import { awaitCommand, StepFailedError } from "./command-steps.js";
import type { MigrationView } from "./migration-view.js";
import type { StartMigrationInput } from "./migrations.js";
import { COLD_MIGRATION_DRIVERS, findTargetHost, recordMigration } from "./record-migration.js";

export type ContainerInspection = z.infer<typeof containerInspectResultSchema>;

/** Reads a container's create config and mounts from its engine (waits up to 30 s). */
export async function inspectContainer(
  ctx: CommandContext,
  workload: Pick<Workload, "hostId" | "externalId" | "name">,
): Promise<ContainerInspection> {
  const command: Command = { name: "container.inspect", payload: { workloadId: workload.externalId } };
  const view = await requestCommand(ctx, { hostId: workload.hostId, command, deadlineMs: 30_000 });
  try {
    const result = await awaitCommand(ctx, "inspect", view.id, { stopping: () => false });
    return containerInspectResultSchema.parse(result);
  } catch (err) {
    const why = err instanceof StepFailedError ? err.message : String(err);
    throw new AppError("invalid", `Could not read ${workload.name}'s configuration from its host: ${why}`);
  }
}

/** Mounts that do not travel with a container, in words for the operator. */
export function volumeWarnings(name: string, inspection: ContainerInspection): string[] {
  return inspection.mounts
    .filter((m) => m.type === "bind" || m.type === "volume")
    .map((m) =>
      m.type === "bind"
        ? `${name}: bind mount ${m.source} -> ${m.target} is not shared; the target host's ${m.source} is used as it is there`
        : `${name}: volume ${m.source} -> ${m.target} is not shared; the target starts with an empty volume of that name`,
    );
}

export async function startColdMigration(
  ctx: CommandContext,
  workload: Workload,
  input: StartMigrationInput,
): Promise<MigrationView> {
  if (!COLD_MIGRATION_DRIVERS.includes(workload.driver))
    throw new AppError("invalid", "Only containers of the docker (or simulated) driver can be moved between hosts.");
  if (workload.state !== "running")
    throw new AppError("invalid", `${workload.name} is ${workload.state}, not running.`);
  const target = await findTargetHost(ctx, input.targetHostId, workload, workload.driver);
  const inspection = await inspectContainer(ctx, workload);
  const warnings = volumeWarnings(workload.name, inspection);
  if (warnings.length > 0 && !input.acceptVolumeLoss) {
    throw new AppError(
      "invalid",
      `${warnings.join("; ")}. Their data stays on the source host; move anyway with acceptVolumeLoss: true.`,
    );
  }
  return recordMigration(ctx, workload, {
    kind: "cold",
    targetHostId: target.id,
    containerConfig: inspection.config,
    warnings,
    evacuationId: input.evacuationId ?? null,
  });
}
