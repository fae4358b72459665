/**
 * One cold migration of a container, step by step across the two agents: stop on the source ->
 * create on the target from the stored config -> start there -> remove from the source ->
 * ownership moves (the target's new container id becomes the workload's identity). Each step is
 * a command with an idempotency key per migration and step, its id kept in the row, so a
 * restarted server resumes where it stopped. A failure before the target runs it removes what
 * the target made and starts the source container again; the reason is recorded.
 */
import type { Prisma } from "@flotilla/db";
import type { Command, CommandPayload } from "@flotilla/protocol";
import type { CommandContext } from "../commands/request-command.js";
import { awaitCommand, OrchestratorStoppingError, requestStep, StepFailedError } from "./command-steps.js";
import { releaseLease, renewLease } from "./leases.js";
import { type MigrationState, toMigrationUpdate } from "./migration-view.js";
import { moveOwnership } from "./move-ownership.js";
import type { RunDeps } from "./run-migration.js";

const MINUTE = 60_000;
type Steps = Record<string, string>;

export async function runColdMigration(deps: RunDeps, id: string): Promise<void> {
  const { prisma, live } = deps;
  let m = await prisma.migration.findUniqueOrThrow({ where: { id } });
  const log = deps.log.child({ migrationId: id, kind: "cold" });
  const holder = `migration:${id}`;
  const ctx: CommandContext = {
    prisma,
    live,
    log,
    // The server acts for whoever asked (null role: the permission was checked at migrations.start).
    actor: { orgId: m.orgId, userId: m.requestedById, role: null, ip: null, leaseHolder: holder },
  };
  const steps = (): Steps => (m.stepCommandIds ?? {}) as Steps;

  async function update(data: Prisma.MigrationUpdateInput): Promise<void> {
    m = await prisma.migration.update({ where: { id }, data });
    live.migrationUpdate(m.orgId, toMigrationUpdate(m));
  }
  async function setState(state: MigrationState, phase: string): Promise<void> {
    if (m.state !== state || m.phase !== phase) await update({ state, phase });
    await renewLease(prisma, m.workloadId, holder);
  }
  async function step(name: string, hostId: string, command: Command, deadlineMs = 5 * MINUTE) {
    const view = await requestStep(ctx, id, name, hostId, command, deadlineMs);
    if (steps()[name] !== view.id) await update({ stepCommandIds: { ...steps(), [name]: view.id } });
    return awaitCommand(ctx, name, view.id, { stopping: deps.stopping });
  }
  const cancelRequested = async () =>
    (await prisma.migration.findUniqueOrThrow({ where: { id }, select: { cancelRequestedAt: true } }))
      .cancelRequestedAt !== null;
  async function checkCancel(before: string): Promise<void> {
    if (await cancelRequested()) throw new StepFailedError(before, "cancelled", `cancelled before ${before}`);
  }

  const source = m.externalId;
  const started = Date.now();
  try {
    await checkCancel("the container was stopped");
    await setState("preparing", "stopping");
    await step("stop", m.sourceHostId, { name: "container.stop", payload: { workloadId: source } });
    await checkCancel("the container was recreated");
    await setState("migrating", "creating");
    const config = m.containerConfig as Omit<CommandPayload<"container.create">, "start">;
    const created = await step("create", m.targetHostId, {
      name: "container.create",
      payload: { ...config, start: false },
    });
    const newId = String(created.workloadId);
    if (m.targetExternalId !== newId) await update({ targetExternalId: newId });
    await checkCancel("the container was started on the target");
    await setState("migrating", "starting");
    await step("start", m.targetHostId, { name: "container.start", payload: { workloadId: newId } });
    await setState("completing", "removing");
    // It runs on the target now: a source that fails to remove its stopped copy is a warning, not a rollback.
    await step("remove", m.sourceHostId, { name: "container.remove", payload: { workloadId: source } }).catch(
      async (err: unknown) => {
        if (err instanceof OrchestratorStoppingError) throw err;
        const why = err instanceof Error ? err.message : String(err);
        await update({ warnings: [...m.warnings, `the stopped container on the source was not removed: ${why}`] });
      },
    );
    await update({ progress: 1, phase: "completed", totalTimeMs: Date.now() - started });
    m = await moveOwnership(prisma, m, holder);
    live.migrationUpdate(m.orgId, toMigrationUpdate(m));
    live.hostInventory(m.orgId, { hostId: m.sourceHostId });
    live.hostInventory(m.orgId, { hostId: m.targetHostId });
    log.info({ from: source, to: m.targetExternalId }, "cold migration succeeded");
  } catch (err) {
    if (err instanceof OrchestratorStoppingError) return; // resumed after the restart
    await fail(err);
  }

  /** Undoes what ran: the target's copy goes, the source container starts again. */
  async function fail(err: unknown): Promise<void> {
    const cancelled = (await cancelRequested()) || (err instanceof StepFailedError && err.code === "cancelled");
    const reason =
      err instanceof StepFailedError ? `${err.step}: ${err.message}` : err instanceof Error ? err.message : String(err);
    log.warn({ err, cancelled }, "cold migration did not complete");
    const notes: string[] = [];
    if (m.targetExternalId) {
      const payload = { workloadId: m.targetExternalId, force: true };
      await step("discard", m.targetHostId, { name: "container.remove", payload }, MINUTE).catch((e: unknown) =>
        notes.push(`the copy on the target could not be removed (${(e as Error).message})`),
      );
    }
    if (steps().stop) {
      await step("restore", m.sourceHostId, { name: "container.start", payload: { workloadId: source } }, MINUTE).then(
        () => notes.push("the container was started again on the source"),
        (e: unknown) => notes.push(`the container could not be started again on the source (${(e as Error).message})`),
      );
    }
    const why = [reason, ...notes].join("; ");
    // Free the workload before the migration reads as ended: whoever sees "failed" or
    // "cancelled" may act on the workload at once.
    await releaseLease(prisma, m.workloadId, holder);
    await update({
      state: cancelled ? "cancelled" : "failed",
      error: cancelled ? `${m.error ?? "cancelled"}; ${notes.join("; ") || "nothing had moved"}` : why,
      finishedAt: new Date(),
    });
  }
}
