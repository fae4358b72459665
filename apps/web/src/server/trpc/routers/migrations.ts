/** migrations.*: move a VM (live) or a container (cold) to another host, follow it, cancel it (see server/migrations). */
import { z } from "zod";
import { teamScopedWhere } from "../../access/scope.js";
import type { SessionInfo } from "../../auth/sessions.js";
import type { CommandContext } from "../../commands/request-command.js";
import { cancelMigration, getMigration, listMigrations, startMigration } from "../../migrations/migrations.js";
import type { Context } from "../context.js";
import { on, permission, router } from "../init.js";

const idSchema = z.string().min(1).max(200);

function migrationContext(ctx: Context & { session: SessionInfo }): CommandContext {
  const { prisma, live } = ctx.services;
  return {
    prisma,
    live,
    log: ctx.log,
    actor: { orgId: ctx.session.orgId, userId: ctx.session.userId, role: ctx.session.role, ip: ctx.ip },
  };
}

export const migrationsRouter = router({
  start: permission("migrations.run", on("workload", "workloadId"), on("host", "targetHostId"))
    .input(
      z.object({
        workloadId: idSchema,
        targetHostId: idSchema,
        /** VMs: where the disks are (default shared). Containers: ignored. */
        storage: z.enum(["shared", "copy"]).optional(),
        /** Containers with named volumes or bind mounts: move without their data. */
        acceptVolumeLoss: z.boolean().optional(),
        listenHost: z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/)
          .optional(),
        maxBandwidthBytesPerSec: z.number().int().min(1024).optional(),
      }),
    )
    .mutation(({ ctx, input }) => startMigration(migrationContext(ctx), input)),

  list: permission("fleet.read", on("workload", "workloadId"))
    .input(
      z
        .object({ workloadId: idSchema.optional(), limit: z.number().int().min(1).max(200).default(50) })
        .default({ limit: 50 }),
    )
    .query(async ({ ctx, input }) => {
      const visibleHost = teamScopedWhere(ctx.session, "fleet.read");
      return listMigrations(migrationContext(ctx), visibleHost, input.workloadId, input.limit);
    }),

  get: permission("fleet.read", on("migration", "id"))
    .input(z.object({ id: idSchema }))
    .query(({ ctx, input }) => getMigration(migrationContext(ctx), input.id)),

  cancel: permission("migrations.run", on("migration", "id"))
    .input(z.object({ id: idSchema, reason: z.string().max(500).optional() }))
    .mutation(({ ctx, input }) => cancelMigration(migrationContext(ctx), input.id, input.reason)),
});
