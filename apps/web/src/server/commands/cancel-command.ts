/**
 * Cancelling: a command no agent has seen is withdrawn at once; a cancellable one that is
 * out on its host is signalled (the node holding the agent sends `cancel`, now or when the
 * agent reconnects) and ends when the agent reports. Everything else is refused.
 */
import { isCancellable, isCommandName } from "@flotilla/protocol";
import { AppError } from "../errors.js";
import { COMMANDS_CHANNEL, type CommandView, toCommandView, toUpdateEvent } from "./command-view.js";
import { actorLabel, assertMayRun, type CommandContext } from "./request-command.js";
import { type CommandState, cancelAction } from "./state-machine.js";

export async function cancelCommand(ctx: CommandContext, id: string): Promise<CommandView> {
  const { prisma, actor } = ctx;
  const found = await prisma.command.findFirst({ where: { id, orgId: actor.orgId } });
  if (!found) throw new AppError("not_found", "No such command.");
  if (isCommandName(found.name)) assertMayRun(actor, found.name);

  const action = cancelAction({ name: found.name, state: found.state as CommandState });
  if (action === "finished") throw new AppError("conflict", `This command already ended (${found.state}).`);
  if (action === "not_cancellable") {
    throw new AppError("conflict", `A ${found.name} command cannot be stopped once its host has received it.`);
  }
  if (found.cancelRequestedAt) return toCommandView(found);

  const row = await prisma.$transaction(async (tx) => {
    const now = new Date();
    const withdrawn =
      action === "withdraw"
        ? await tx.command.updateManyAndReturn({
            where: { id, state: "pending" },
            data: {
              state: "cancelled",
              finishedAt: now,
              cancelRequestedAt: now,
              error: { code: "cancelled", message: "Cancelled before it was sent to the host." },
            },
          })
        : [];
    // Not pending any more (sent meanwhile, or it was already out): ask the agent to stop it.
    const signalled =
      withdrawn.length === 0 && isCancellable(found.name)
        ? await tx.command.updateManyAndReturn({
            where: { id, state: { in: ["sent", "running"] }, cancelRequestedAt: null },
            data: { cancelRequestedAt: now },
          })
        : [];
    const changed = withdrawn[0] ?? signalled[0];
    if (!changed) return null;
    await tx.commandEvent.create({
      data: withdrawn[0]
        ? { commandId: id, kind: "state", state: "cancelled", message: `withdrawn by ${actorLabel(actor)}` }
        : { commandId: id, kind: "note", message: `cancel requested by ${actorLabel(actor)}` },
    });
    await tx.auditEntry.create({
      data: {
        orgId: actor.orgId,
        actorId: actor.userId,
        actor: actorLabel(actor),
        action: "command.cancelled",
        target: `host:${changed.hostId}`,
        ip: actor.ip,
        data: { commandId: id, name: changed.name, stateWas: found.state },
      },
    });
    await tx.$executeRaw`SELECT pg_notify(${COMMANDS_CHANNEL}, ${id})`;
    return changed;
  });
  if (!row) {
    // It moved on between the read and the write (finished, or sent and not cancellable): say so.
    const now = await prisma.command.findUniqueOrThrow({ where: { id } });
    if (now.cancelRequestedAt) return toCommandView(now);
    throw new AppError("conflict", `This command can no longer be cancelled (${now.state}).`);
  }
  ctx.log.info({ commandId: id, command: row.name, state: row.state }, "command cancel requested");
  ctx.live.commandUpdate(row.orgId, toUpdateEvent(row));
  return toCommandView(row);
}
