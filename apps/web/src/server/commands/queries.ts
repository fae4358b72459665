/** Reading commands: always inside one organisation; another organisation's look like missing ones. */
import { AppError } from "../errors.js";
import type { PrismaClient } from "../services.js";
import { type CommandView, toCommandView } from "./command-view.js";
import type { CommandState } from "./state-machine.js";

export interface ListCommandsInput {
  hostId?: string;
  state?: CommandState;
  limit: number;
  /** Only commands of hosts in these teams (access/scope.ts teamsWith); "all" or absent: every team. */
  teams?: "all" | string[];
}

export async function listCommands(
  prisma: PrismaClient,
  orgId: string,
  input: ListCommandsInput,
): Promise<Array<CommandView & { hostName: string }>> {
  if (input.hostId) {
    const host = await prisma.host.findFirst({ where: { id: input.hostId, orgId }, select: { id: true } });
    if (!host) throw new AppError("not_found", "No such host.");
  }
  const rows = await prisma.command.findMany({
    where: {
      orgId,
      ...(input.hostId ? { hostId: input.hostId } : {}),
      ...(input.state ? { state: input.state } : {}),
      ...(input.teams && input.teams !== "all" ? { host: { teamId: { in: input.teams } } } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: input.limit,
    include: { host: { select: { name: true } } },
  });
  return rows.map(({ host, ...row }) => ({ ...toCommandView(row), hostName: host.name }));
}

export interface CommandEventView {
  id: string;
  at: string;
  kind: string;
  state: CommandState | null;
  progress: number | null;
  message: string | null;
  data: unknown;
}

export async function getCommand(
  prisma: PrismaClient,
  orgId: string,
  id: string,
): Promise<CommandView & { hostName: string; events: CommandEventView[] }> {
  const row = await prisma.command.findFirst({
    where: { id, orgId },
    include: {
      host: { select: { name: true } },
      events: { orderBy: { id: "asc" } },
    },
  });
  if (!row) throw new AppError("not_found", "No such command.");
  const { host, events, ...command } = row;
  return {
    ...toCommandView(command),
    hostName: host.name,
    events: events.map((e) => ({
      id: e.id.toString(),
      at: e.at.toISOString(),
      kind: e.kind,
      state: (e.state as CommandState | null) ?? null,
      progress: e.progress,
      message: e.message,
      data: e.data ?? null,
    })),
  };
}
