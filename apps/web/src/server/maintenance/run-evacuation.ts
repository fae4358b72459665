/**
 * Runs an evacuation's planned moves through the migrations orchestrator (live for VMs, cold for
 * containers), at most `concurrency` at a time. A move that fails or is refused stops the
 * evacuation safely: no new move starts, the running ones finish (each is safe on its own), and
 * what ran stays recorded. Leaving maintenance cancels it the same way. The orchestrator runs it
 * on the one node that claimed it; everything it needs is in the row, so a restarted server (or
 * another node) resumes it: moves already started are followed, the rest are started.
 */
import type { Prisma } from "@flotilla/db";
import type { CommandContext } from "../commands/request-command.js";
import { MIGRATIONS_CHANNEL } from "../migrations/migration-view.js";
import { startMigration } from "../migrations/migrations.js";
import type { RunDeps } from "../migrations/run-migration.js";
import type { PrismaClient } from "../services.js";
import { type EvacuationMove, movesOf, toEvacuationUpdate } from "./evacuation-view.js";

const POLL_MS = 250;
const ENDED = ["succeeded", "failed", "cancelled"];

/** The orchestrator's notification payload for an evacuation (migrations send their bare id). */
export const EVACUATION_PREFIX = "evacuation:";

/** Wakes the orchestrator (on any node) to run the evacuation. */
export async function notifyEvacuation(prisma: PrismaClient, id: string): Promise<void> {
  await prisma.$executeRaw`SELECT pg_notify(${MIGRATIONS_CHANNEL}, ${EVACUATION_PREFIX + id})`;
}

export interface EvacuationOptions {
  storage: "shared" | "copy";
  acceptVolumeLoss: boolean;
}

/** Ends without touching the row: the orchestrator is stopping, and a restart resumes it. */
class StoppingError extends Error {}

export async function runEvacuation(deps: RunDeps, id: string): Promise<void> {
  const { prisma, live } = deps;
  const log = deps.log.child({ evacuationId: id });
  let row = await prisma.evacuation.findUniqueOrThrow({ where: { id } });
  if (row.state !== "running") return; // ended (or never planned) before this node claimed it
  const options: EvacuationOptions = { storage: row.storage, acceptVolumeLoss: row.acceptVolumeLoss };
  // The server acts for whoever asked (null role: the permission was checked at maintenance.enter).
  const ctx: CommandContext = {
    prisma,
    live,
    log,
    actor: { orgId: row.orgId, userId: row.requestedById, role: null, ip: null },
  };
  const moves: EvacuationMove[] = movesOf(row);
  // Resumed after a move had failed: it still stops the evacuation.
  const failedBefore = moves.find((m) => m.state === "failed" || m.state === "cancelled");
  let failure: string | null = failedBefore
    ? `${failedBefore.name}: ${failedBefore.error ?? failedBefore.state}`
    : null;

  async function save(data: Prisma.EvacuationUpdateInput = {}): Promise<void> {
    const ended = moves.filter((m) => m.state !== "pending" && m.state !== "running").length;
    row = await prisma.evacuation.update({
      where: { id },
      data: {
        moves: moves as unknown as Prisma.InputJsonValue,
        progress: moves.length ? ended / moves.length : 1,
        ...data,
      },
    });
    live.evacuationUpdate(row.orgId, toEvacuationUpdate(row));
  }
  const cancelled = async () =>
    (await prisma.evacuation.findUniqueOrThrow({ where: { id }, select: { state: true } })).state === "cancelled";

  async function launch(move: EvacuationMove): Promise<void> {
    // Started before a restart, but the row was not saved after: follow that one, start no other.
    const earlier = await prisma.migration.findFirst({
      where: { evacuationId: id, workloadId: move.workloadId },
      orderBy: { apiCalledAt: "desc" },
      select: { id: true },
    });
    if (earlier) {
      Object.assign(move, { migrationId: earlier.id, state: "running" });
      return;
    }
    try {
      const m = await startMigration(ctx, {
        workloadId: move.workloadId,
        targetHostId: move.toHostId,
        storage: options.storage,
        acceptVolumeLoss: options.acceptVolumeLoss,
        evacuationId: id,
      });
      Object.assign(move, { migrationId: m.id, state: "running" });
    } catch (err) {
      failure = `${move.name}: ${(err as Error).message}`;
      Object.assign(move, { state: "failed", error: (err as Error).message });
    }
  }

  async function follow(move: EvacuationMove): Promise<void> {
    const m = await prisma.migration.findUniqueOrThrow({
      where: { id: move.migrationId as string },
      select: { state: true, error: true },
    });
    if (!ENDED.includes(m.state)) return;
    Object.assign(move, { state: m.state, error: m.error });
    if (m.state !== "succeeded") failure ??= `${move.name}: ${m.error ?? m.state}`;
  }

  try {
    let stopping = false;
    for (;;) {
      if (deps.stopping()) throw new StoppingError();
      if (!stopping && (failure !== null || (await cancelled()))) stopping = true;
      const running = moves.filter((m) => m.state === "running");
      const pending = moves.filter((m) => m.state === "pending");
      if (!stopping) {
        for (const move of pending.slice(0, Math.max(0, row.concurrency - running.length))) await launch(move);
      }
      for (const move of moves.filter((m) => m.state === "running")) await follow(move);
      await save();
      const busy = moves.some((m) => m.state === "running");
      if (!busy && (stopping || !moves.some((m) => m.state === "pending"))) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } catch (err) {
    if (err instanceof StoppingError) return;
    failure ??= `the evacuation stopped: ${(err as Error).message}`;
    log.error({ err }, "evacuation run failed");
  }
  const wasCancelled = await cancelled();
  for (const move of moves) if (move.state === "pending") move.state = "skipped";
  await save({
    state: wasCancelled ? "cancelled" : failure ? "failed" : "succeeded",
    error: wasCancelled ? (row.error ?? "cancelled") : failure,
    finishedAt: new Date(),
  });
  log.info({ state: row.state, error: row.error }, "evacuation ended");
}
