/** How an evacuation looks outside the database: to the API and to browsers (`evacuation:update`). */
import type { Prisma } from "@flotilla/db";
import type { EvacuationUpdateEvent } from "../../shared/live-events.js";

export type Evacuation = Prisma.EvacuationGetPayload<object>;

/** One planned move of an evacuation, kept in the row's `moves` JSON. */
export interface EvacuationMove {
  workloadId: string;
  name: string;
  kind: "vm" | "container";
  toHostId: string;
  migrationId: string | null;
  state: "pending" | "running" | "succeeded" | "failed" | "cancelled" | "skipped";
  error: string | null;
}

export const ACTIVE_EVACUATION_STATES = ["planning", "running"] as const;

export const movesOf = (e: Evacuation) => (e.moves ?? []) as unknown as EvacuationMove[];

export function toEvacuationUpdate(e: Evacuation): EvacuationUpdateEvent {
  const moves = movesOf(e);
  return {
    id: e.id,
    hostId: e.hostId,
    state: e.state,
    progress: e.progress,
    moves: moves.length,
    movesSucceeded: moves.filter((m) => m.state === "succeeded").length,
    error: e.error,
  };
}

export type EvacuationView = ReturnType<typeof toEvacuationView>;

export function toEvacuationView(e: Evacuation) {
  return {
    ...toEvacuationUpdate(e),
    concurrency: e.concurrency,
    moves: movesOf(e),
    requestedById: e.requestedById,
    createdAt: e.createdAt.toISOString(),
    finishedAt: e.finishedAt?.toISOString() ?? null,
  };
}
