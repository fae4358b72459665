/**
 * Gives up on commands past their deadline: one still pending (its agent never came) times out
 * at the deadline; one its agent has gets a grace period to report `deadline_exceeded` itself.
 * Every server node may run this: the updates are conditional, so each command times out once.
 * Each timed-out id is NOTIFYed so the node holding its agent sends `cancel`.
 */
import type { Command as CommandRow } from "@flotilla/db";
import type { Logger } from "../logger.js";
import type { Services } from "../services.js";
import { COMMANDS_CHANNEL, toUpdateEvent } from "./command-view.js";
import { timeoutMessage } from "./state-machine.js";

type Deps = Pick<Services, "prisma" | "live"> & { log: Logger };

export async function timeOutOverdueCommands(deps: Deps, graceMs: number, now = new Date()): Promise<CommandRow[]> {
  const { prisma } = deps;
  const neverSent = await prisma.command.updateManyAndReturn({
    where: { state: "pending", deadline: { lte: now } },
    data: {
      state: "timed_out",
      finishedAt: now,
      error: { code: "deadline_exceeded", message: timeoutMessage("pending") },
    },
  });
  const outThere = await prisma.command.updateManyAndReturn({
    where: { state: { in: ["sent", "running"] }, deadline: { lte: new Date(now.getTime() - graceMs) } },
    data: {
      state: "timed_out",
      finishedAt: now,
      error: { code: "deadline_exceeded", message: timeoutMessage("running") },
    },
  });
  const timedOut = [...neverSent, ...outThere];
  if (timedOut.length === 0) return timedOut;
  await prisma.commandEvent.createMany({
    data: timedOut.map((row) => ({
      commandId: row.id,
      kind: "state",
      state: "timed_out" as const,
      at: now,
      message: (row.error as { message: string }).message,
    })),
  });
  const ids = timedOut.filter((row) => row.sentAt !== null).map((row) => row.id);
  if (ids.length > 0) {
    await prisma.$executeRaw`SELECT pg_notify(${COMMANDS_CHANNEL}, id) FROM unnest(${ids}::text[]) AS id`;
  }
  for (const row of timedOut) deps.live.commandUpdate(row.orgId, toUpdateEvent(row));
  deps.log.info({ commands: timedOut.map((r) => r.id) }, "commands timed out");
  return timedOut;
}
