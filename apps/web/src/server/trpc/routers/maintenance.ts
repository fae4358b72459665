/** maintenance.*: take a host out of placement, evacuate it, follow that, put it back (see server/maintenance). */
import { z } from "zod";
import { teamScopedWhere } from "../../access/scope.js";
import type { SessionInfo } from "../../auth/sessions.js";
import type { CommandContext } from "../../commands/request-command.js";
import { enterMaintenance, getMaintenance, leaveMaintenance, listEvacuations } from "../../maintenance/maintenance.js";
import type { Context } from "../context.js";
import { on, permission, router } from "../init.js";

const idSchema = z.string().min(1).max(200);

function maintenanceContext(ctx: Context & { session: SessionInfo }): CommandContext {
  const { prisma, live } = ctx.services;
  return {
    prisma,
    live,
    log: ctx.log,
    actor: { orgId: ctx.session.orgId, userId: ctx.session.userId, role: ctx.session.role, ip: ctx.ip },
  };
}

export const maintenanceRouter = router({
  /** Evacuating also needs migrations.run (checked in the domain: the permission depends on `evacuate`). */
  enter: permission("hosts.manage", on("host", "hostId"))
    .input(
      z.object({
        hostId: idSchema,
        evacuate: z.boolean().default(false),
        concurrency: z.number().int().min(1).max(16).default(2),
        storage: z.enum(["shared", "copy"]).default("copy"),
        acceptVolumeLoss: z.boolean().default(false),
      }),
    )
    .mutation(({ ctx, input }) => enterMaintenance(maintenanceContext(ctx), input)),

  leave: permission("hosts.manage", on("host", "hostId"))
    .input(z.object({ hostId: idSchema }))
    .mutation(({ ctx, input }) => leaveMaintenance(maintenanceContext(ctx), input.hostId)),

  get: permission("fleet.read", on("host", "hostId"))
    .input(z.object({ hostId: idSchema }))
    .query(({ ctx, input }) => getMaintenance(maintenanceContext(ctx), input.hostId)),

  list: permission("fleet.read", on("host", "hostId"))
    .input(
      z
        .object({ hostId: idSchema.optional(), limit: z.number().int().min(1).max(200).default(50) })
        .default({ limit: 50 }),
    )
    .query(async ({ ctx, input }) => {
      const visibleHost = teamScopedWhere(ctx.session, "fleet.read");
      return listEvacuations(maintenanceContext(ctx), visibleHost, input.hostId, input.limit);
    }),
});
