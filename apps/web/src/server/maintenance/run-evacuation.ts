/**
 * Runs an evacuation's planned moves through the migrations orchestrator (live for VMs, cold for
 * containers), at most `concurrency` at a time. A move that fails or is refused stops the
 * evacuation safely: no new move starts, the running ones finish (each is safe on its own), and
 * what ran stays recorded. Leaving maintenance cancels it the same way. Runs in the server
 * process that accepted maintenance.enter (see the report: not yet resumed after a restart).
 */
import type { Prisma } from "@flotilla/db";
import type { CommandContext } from "../commands/request-command.js";
import { startMigration } from "../migrations/migrations.js";
import { type EvacuationMove, movesOf, toEvacuationUpdate } from "./evacuation-view.js";

const POLL_MS = 250;
const ENDED = ["succeeded", "failed", "cancelled"];

export interface EvacuationOptions {
  storage: "shared" | "copy";
  acceptVolumeLoss: boolean;
}

export async function runEvacuation(ctx: CommandContext, id: string, options: EvacuationOptions): Promise<void> {
  const { prisma, live } = ctx;
  const log = ctx.log.child({ evacuationId: id });
  let row = await prisma.evacuation.findUniqueOrThrow({ where: { id } });
  const moves: EvacuationMove[] = movesOf(row);
  let failure: string | null = null;

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
