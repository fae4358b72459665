/** How a migration looks outside the database: to the API (MigrationView) and to browsers (`migration:update`). */
import type { Prisma } from "@flotilla/db";
import type { MigrationUpdateEvent } from "../../shared/live-events.js";

/** A Migration row (the type from Prisma's namespace; @flotilla/db's shared type list is left alone). */
export type Migration = Prisma.MigrationGetPayload<object>;

export const MIGRATIONS_CHANNEL = "flotilla_migrations";
export const ACTIVE_MIGRATION_STATES = ["pending", "preparing", "migrating", "completing"] as const;
export type MigrationState = MigrationUpdateEvent["state"];

const num = (v: bigint | null) => (v === null ? null : Number(v));

export function toMigrationUpdate(m: Migration): MigrationUpdateEvent {
  return {
    id: m.id,
    workloadId: m.workloadId,
    sourceHostId: m.sourceHostId,
    targetHostId: m.targetHostId,
    state: m.state,
    phase: m.phase,
    progress: m.progress,
    transferredBytes: num(m.transferredBytes),
    remainingBytes: num(m.remainingBytes),
    totalBytes: num(m.totalBytes),
    mbps: m.mbps,
    expectedDowntimeMs: m.expectedDowntimeMs,
    downtimeMs: m.downtimeMs,
    totalTimeMs: m.totalTimeMs,
    error: m.error,
  };
}

export type MigrationView = ReturnType<typeof toMigrationView>;

export function toMigrationView(m: Migration) {
  return {
    ...toMigrationUpdate(m),
    kind: m.kind,
    externalId: m.externalId,
    /** Cold migrations: the container's id on the target (its identity once moved). */
    targetExternalId: m.targetExternalId,
    warnings: m.warnings,
    evacuationId: m.evacuationId,
    storage: m.storage,
    diskBytes: num(m.diskBytes),
    requestedById: m.requestedById,
    commandIds: {
      source: m.sourceCommandId,
      prepare: m.prepareCommandId,
      migrate: m.migrateCommandId,
      await: m.awaitCommandId,
      abort: m.abortCommandId,
      ...(m.stepCommandIds as Record<string, string>),
    },
    cancelRequestedAt: m.cancelRequestedAt?.toISOString() ?? null,
    apiCalledAt: m.apiCalledAt.toISOString(),
    migrateIssuedAt: m.migrateIssuedAt?.toISOString() ?? null,
    /** From the API call to QMP `migrate` being issued on the source. */
    controlPlaneOverheadMs: m.migrateIssuedAt ? m.migrateIssuedAt.getTime() - m.apiCalledAt.getTime() : null,
    finishedAt: m.finishedAt?.toISOString() ?? null,
  };
}
