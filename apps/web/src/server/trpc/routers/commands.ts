/**
 * commands.*: ask a host's agent to do something, follow it, cancel it. Requests carry any
 * protocol command; the procedure admits anyone who may operate workloads, and the domain
 * checks the permission of the command itself (COMMAND_PERMISSIONS).
 */
import { commandSchema } from "@flotilla/protocol";
import { z } from "zod";
import { teamsWith } from "../../access/scope.js";
import type { SessionInfo } from "../../auth/sessions.js";
import { cancelCommand } from "../../commands/cancel-command.js";
import { MAX_DEADLINE_MS, MIN_DEADLINE_MS } from "../../commands/command-view.js";
import { getCommand, listCommands } from "../../commands/queries.js";
import { type CommandContext, requestCommand } from "../../commands/request-command.js";
import { COMMAND_STATES } from "../../commands/state-machine.js";
import type { Context } from "../context.js";
import { on, permission, router } from "../init.js";

const idSchema = z.string().min(1).max(200);

function commandContext(ctx: Context & { session: SessionInfo }): CommandContext {
  const { prisma, live } = ctx.services;
  return {
    prisma,
    live,
    log: ctx.log,
    actor: { orgId: ctx.session.orgId, userId: ctx.session.userId, role: ctx.session.role, ip: ctx.ip },
  };
}

export const commandsRouter = router({
  request: permission("workloads.operate", on("host", "hostId"))
    .input(
      z.object({
        hostId: idSchema,
        command: commandSchema,
        idempotencyKey: z.string().min(1).max(200).optional(),
        deadlineMs: z.number().int().min(MIN_DEADLINE_MS).max(MAX_DEADLINE_MS).optional(),
      }),
    )
    .mutation(({ ctx, input }) => requestCommand(commandContext(ctx), input)),

  list: permission("fleet.read", on("host", "hostId"))
    .input(
      z
        .object({
          hostId: idSchema.optional(),
          state: z.enum(COMMAND_STATES).optional(),
          limit: z.number().int().min(1).max(200).default(50),
        })
        .default({ limit: 50 }),
    )
    .query(({ ctx, input }) =>
      listCommands(ctx.services.prisma, ctx.session.orgId, { ...input, teams: teamsWith(ctx.session, "fleet.read") }),
    ),

  get: permission("fleet.read", on("command", "id"))
    .input(z.object({ id: idSchema }))
    .query(({ ctx, input }) => getCommand(ctx.services.prisma, ctx.session.orgId, input.id)),

  cancel: permission("workloads.operate", on("command", "id"))
    .input(z.object({ id: idSchema }))
    .mutation(({ ctx, input }) => cancelCommand(commandContext(ctx), input.id)),
});
