/**
 * One live migration, step by step across the two agents: source (definition + disk sizes) ->
 * target prepares an incoming QEMU -> source migrates out (progress relayed to browsers) ->
 * target confirms the VM runs there (QEMU says running) -> the source is told to remove its
 * paused copy and ownership moves in the database. If the target does not confirm, it removes
 * its copy and the source resumes the VM; the migration reads failed with the target's reason.
 * Every step's command id and the state are in the Migration row, so a restarted server picks up
 * where it stopped (the steps' idempotency keys return the commands already asked for). On
 * failure or cancel before the VM left, the target is told to give up and the VM keeps running
 * on the source; the reason is recorded.
 */
import type { Prisma } from "@flotilla/db";
import { type Command, vmMigrationProgressSchema } from "@flotilla/protocol";
import { cancelCommand } from "../commands/cancel-command.js";
import type { CommandContext } from "../commands/request-command.js";
import type { Logger } from "../logger.js";
import type { Services } from "../services.js";
import { awaitCommand, OrchestratorStoppingError, requestStep, StepFailedError } from "./command-steps.js";
import { releaseLease, renewLease } from "./leases.js";
import { type Migration, type MigrationState, toMigrationUpdate } from "./migration-view.js";
import { moveOwnership } from "./move-ownership.js";

export interface RunDeps extends Pick<Services, "prisma" | "live"> {
  log: Logger;
  stopping: () => boolean;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** The target reported the VM arrived but does not run there (and removed its copy). */
class NotConfirmedError extends Error {
  override readonly name = "NotConfirmedError";
}

export async function runMigration(deps: RunDeps, id: string): Promise<void> {
  const { prisma, live } = deps;
  let m = await prisma.migration.findUniqueOrThrow({ where: { id } });
  const log = deps.log.child({ migrationId: id });
  const holder = `migration:${id}`;
  const ctx: CommandContext = {
    prisma,
    live,
    log,
    // The server acts for whoever asked (null role: the permission was checked at migrations.start).
    actor: { orgId: m.orgId, userId: m.requestedById, role: null, ip: null, leaseHolder: holder },
  };

  async function update(data: Prisma.MigrationUpdateInput): Promise<void> {
    m = await prisma.migration.update({ where: { id }, data });
    live.migrationUpdate(m.orgId, toMigrationUpdate(m));
  }
  async function setState(state: MigrationState): Promise<void> {
    if (m.state !== state) await update({ state });
    await renewLease(prisma, m.workloadId, holder);
  }
  const cancelRequested = async () =>
    (await prisma.migration.findUniqueOrThrow({ where: { id }, select: { cancelRequestedAt: true } }))
      .cancelRequestedAt !== null;
  /** Requests a step's command (or finds it again), records its id, and waits for its result. */
  async function step(
    name: string,
    column: keyof Pick<Migration, "sourceCommandId" | "prepareCommandId" | "migrateCommandId" | "awaitCommandId">,
    hostId: string,
    command: Command,
    deadlineMs: number,
    onTick?: () => Promise<void>,
  ) {
    const view = await requestStep(ctx, id, name, hostId, command, deadlineMs);
    if (m[column] !== view.id) await update({ [column]: view.id });
    return awaitCommand(ctx, name, view.id, { stopping: deps.stopping, ...(onTick ? { onTick } : {}) });
  }

  const finishSource = (outcome: "confirmed" | "failed", reason?: string): Command => ({
    name: "vm.migration.finish_source",
    payload: { workloadId: m.externalId, outcome, storage: m.storage ?? "shared", ...(reason ? { reason } : {}) },
  });

  let prepared = m.prepareCommandId !== null;
  let migrated = false;
  try {
    if (await cancelRequested()) throw new StepFailedError("start", "cancelled", "cancelled before it started");
    await setState("preparing");
    const source = await step(
      "source",
      "sourceCommandId",
      m.sourceHostId,
      {
        name: "vm.migration.source",
        payload: { workloadId: m.externalId },
      },
      MINUTE,
    );
    prepared = true; // from here on the target may hold an incoming QEMU
    const target = await step(
      "prepare",
      "prepareCommandId",
      m.targetHostId,
      {
        name: "vm.migration.prepare_incoming",
        payload: {
          source: source as { definition: Record<string, unknown>; diskSizes: number[] },
          // Set for every live migration (only cold ones leave them null).
          listenHost: m.listenHost ?? "",
          storage: m.storage ?? "shared",
        },
      },
      2 * MINUTE,
    );
    if (await cancelRequested()) throw new StepFailedError("prepare", "cancelled", "cancelled before the VM was sent");

    await setState("migrating");
    let lastEventId = 0n;
    let cancelSent = false;
    const result = await step(
      "migrate",
      "migrateCommandId",
      m.sourceHostId,
      {
        name: "vm.migration.migrate_out",
        payload: {
          workloadId: m.externalId,
          target: target as never,
          ...(m.maxBandwidth === null ? {} : { maxBandwidthBytesPerSec: Number(m.maxBandwidth) }),
        },
      },
      60 * MINUTE,
      async () => {
        lastEventId = await relayProgress(lastEventId);
        if (!cancelSent && m.migrateCommandId && (await cancelRequested())) {
          cancelSent = true;
          await cancelCommand(ctx, m.migrateCommandId).catch((err: unknown) => log.warn({ err }, "cancel failed"));
        }
      },
    );
    migrated = true;
    await relayProgress(lastEventId);
    const r = result as {
      downtimeMs?: number;
      totalTimeMs?: number;
      transferredBytes?: number;
      diskBytes?: number;
      diskCopyMs?: number;
    };
    await update({
      state: "completing",
      downtimeMs: r.downtimeMs ?? null,
      // QEMU's total time covers the RAM phase; a disk copy ran before it.
      totalTimeMs: (r.totalTimeMs ?? 0) + (r.diskCopyMs ?? 0),
      transferredBytes: r.transferredBytes === undefined ? null : BigInt(r.transferredBytes),
      diskBytes: r.diskBytes === undefined ? null : BigInt(r.diskBytes),
      progress: 1,
      phase: "completed",
    });
    const arrival = (await step(
      "await",
      "awaitCommandId",
      m.targetHostId,
      {
        name: "vm.migration.await_incoming",
        payload: { workloadId: m.externalId },
      },
      2 * MINUTE,
    )) as { confirmed?: boolean; reason?: string };
    // An agent from before the confirm phase reports no `confirmed`: it resolves only once the VM runs.
    if (arrival.confirmed === false) throw new NotConfirmedError(arrival.reason ?? "the target did not confirm");
    // The VM runs on the target: the source removes its paused copy, then ownership moves (after
    // the source's inventory dropped the VM, so that removal cannot land on the moved row).
    const finish = await requestStep(ctx, id, "finish", m.sourceHostId, finishSource("confirmed"), 10 * MINUTE);
    await awaitCommand(ctx, "finish", finish.id, { stopping: deps.stopping }).catch((err: unknown) => {
      if (err instanceof OrchestratorStoppingError) throw err;
      // The VM runs on the target whatever the source says: it is the target's now.
      log.warn({ err }, "the source did not remove the migrated VM; it may hold a paused copy");
    });
    m = await moveOwnership(prisma, m, holder);
    live.migrationUpdate(m.orgId, toMigrationUpdate(m));
    live.hostInventory(m.orgId, { hostId: m.sourceHostId });
    live.hostInventory(m.orgId, { hostId: m.targetHostId });
    log.info({ downtimeMs: m.downtimeMs, totalTimeMs: m.totalTimeMs }, "migration succeeded");
  } catch (err) {
    if (err instanceof OrchestratorStoppingError) return; // resumed after the restart
    await fail(err);
  }

  /** Relays migrate_out progress reports newer than `after` to the row and the browsers. */
  async function relayProgress(after: bigint): Promise<bigint> {
    if (!m.migrateCommandId) return after;
    const event = await prisma.commandEvent.findFirst({
      where: { commandId: m.migrateCommandId, kind: "progress", id: { gt: after } },
      orderBy: { id: "desc" },
    });
    if (!event) return after;
    const parsed = vmMigrationProgressSchema.safeParse(event.data);
    if (!parsed.success) return event.id;
    const p = parsed.data;
    const issuedAt = (event.data as { migrateIssuedAt?: unknown }).migrateIssuedAt;
    await update({
      phase: p.phase,
      progress: event.progress,
      transferredBytes: BigInt(Math.round(p.transferredBytes)),
      remainingBytes: BigInt(Math.round(p.remainingBytes)),
      totalBytes: BigInt(Math.round(p.totalBytes)),
      mbps: p.mbps,
      expectedDowntimeMs: p.expectedDowntimeMs,
      ...(m.migrateIssuedAt === null && typeof issuedAt === "number" ? { migrateIssuedAt: new Date(issuedAt) } : {}),
    });
    return event.id;
  }

  /**
   * The target said the VM did not run there and removed its copy: the paused source resumes.
   * Returns the reason the migration failed, with what became of the VM.
   */
  async function resumeSource(reason: string): Promise<string> {
    try {
      const view = await requestStep(ctx, id, "resume-source", m.sourceHostId, finishSource("failed", reason), MINUTE);
      await awaitCommand(ctx, "resume-source", view.id, { stopping: deps.stopping });
      return `the target did not confirm the VM runs there: ${reason}; it runs on the source again`;
    } catch (e) {
      if (e instanceof OrchestratorStoppingError) throw e;
      log.error({ err: e }, "resuming the VM on the source failed");
      return `the target did not confirm the VM runs there: ${reason}; resuming it on the source failed too (${(e as Error).message}): it is paused on the source`;
    }
  }

  async function fail(err: unknown): Promise<void> {
    const cancelled = (await cancelRequested()) || (err instanceof StepFailedError && err.code === "cancelled");
    const reason =
      err instanceof StepFailedError ? `${err.step}: ${err.message}` : err instanceof Error ? err.message : String(err);
    log.warn({ err, cancelled }, "migration did not complete");
    // Once migrate_out succeeded the VM has left the source: aborting the target would lose it.
    if (prepared && !migrated) {
      try {
        const view = await requestStep(
          ctx,
          id,
          "abort",
          m.targetHostId,
          {
            name: "vm.migration.abort_incoming",
            payload: { workloadId: m.externalId, reason: cancelled ? "the migration was cancelled" : reason },
          },
          MINUTE,
        );
        await update({ abortCommandId: view.id });
        await awaitCommand(ctx, "abort", view.id, { stopping: deps.stopping }).catch((e: unknown) =>
          log.warn({ err: e }, "abort_incoming did not succeed"),
        );
      } catch (e) {
        log.warn({ err: e }, "could not ask the target to abort");
      }
    }
    let why = reason;
    if (err instanceof NotConfirmedError) why = await resumeSource(err.message);
    else if (migrated) why = `${reason} (the VM left the source; check the target host)`;
    // Free the workload before the migration reads as ended: whoever sees "failed" or
    // "cancelled" may act on the workload at once.
    await releaseLease(prisma, m.workloadId, holder);
    await update({
      state: cancelled ? "cancelled" : "failed",
      error: cancelled ? (m.error ?? "cancelled") + (reason.includes("cancel") ? "" : `; ${reason}`) : why,
      finishedAt: new Date(),
    });
  }
}
