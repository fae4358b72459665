/**
 * What an agent's command_progress and command_result frames do to a command. Every write is
 * conditional on the command still being active and belonging to the reporting host, so a
 * late or foreign report can never move a finished command or another host's command.
 */
import type { Prisma } from "@flotilla/db";
import { type CommandProgressFrame, type CommandResultFrame, commandOutputSchema } from "@flotilla/protocol";
import type { Logger } from "../logger.js";
import type { Services } from "../services.js";
import { MAX_EVENTS_PER_COMMAND, MAX_STORED_LINES, toUpdateEvent } from "./command-view.js";
import { ACTIVE_STATES, type CommandState, isTerminal, outcomeOfResult } from "./state-machine.js";

type Deps = Pick<Services, "prisma" | "live"> & { log: Logger };

/** Which host is reporting; commands of other hosts are unknown to it. */
export interface Reporter {
  hostId: string;
  orgId: string;
}

/** `unknown`: no such command on this host (the caller answers the agent with an error). */
export type ReportOutcome = "applied" | "finished_already" | "unknown";

export async function recordProgress(
  deps: Deps,
  reporter: Reporter,
  frame: CommandProgressFrame,
): Promise<ReportOutcome> {
  const { prisma } = deps;
  const current = await prisma.command.findFirst({
    where: { id: frame.commandId, hostId: reporter.hostId },
    select: { state: true, startedAt: true },
  });
  if (!current) return "unknown";
  if (isTerminal(current.state as CommandState)) return "finished_already";

  // Server time throughout, so one command's times never mix two clocks.
  const now = new Date();
  const output = frame.data ? commandOutputSchema.safeParse(frame.data) : null;
  const [row] = await prisma.command.updateManyAndReturn({
    where: { id: frame.commandId, hostId: reporter.hostId, state: { in: [...ACTIVE_STATES] } },
    data: {
      state: "running",
      startedAt: current.startedAt ?? now,
      ...(frame.progress === undefined ? {} : { progress: frame.progress }),
      ...(frame.message === undefined ? {} : { lastMessage: frame.message }),
      eventCount: { increment: 1 },
    },
  });
  if (!row) return "finished_already";

  const events: Prisma.CommandEventCreateManyInput[] = [];
  if (current.state !== "running") {
    events.push({ commandId: row.id, kind: "state", state: "running", at: now });
  }
  if (row.eventCount <= MAX_EVENTS_PER_COMMAND) {
    events.push({
      commandId: row.id,
      kind: output?.success ? "output" : "progress",
      at: now,
      progress: frame.progress ?? null,
      message: frame.message ?? null,
      data: storedData(frame.data, output?.success ? output.data : null),
    });
  }
  if (events.length > 0) await prisma.commandEvent.createMany({ data: events });

  if (output?.success) {
    deps.live.commandOutput({ id: row.id, hostId: row.hostId, ts: frame.ts, ...output.data });
  }
  // Pure output chunks say nothing new about state or progress: keep the org room quiet.
  if (current.state !== "running" || frame.progress !== undefined || frame.message !== undefined) {
    deps.live.commandUpdate(row.orgId, toUpdateEvent(row));
  }
  return "applied";
}

function storedData(
  data: Record<string, unknown> | undefined,
  output: { stream: string; lines: string[] } | null,
): Prisma.InputJsonValue | undefined {
  if (!data) return undefined;
  if (!output || output.lines.length <= MAX_STORED_LINES) return data as Prisma.InputJsonValue;
  return {
    ...output,
    lines: output.lines.slice(0, MAX_STORED_LINES),
    truncated: output.lines.length - MAX_STORED_LINES,
  };
}

export async function recordResult(deps: Deps, reporter: Reporter, frame: CommandResultFrame): Promise<ReportOutcome> {
  const { prisma } = deps;
  const { state, error } = outcomeOfResult(frame);
  const now = new Date();
  const [row] = await prisma.command.updateManyAndReturn({
    where: { id: frame.commandId, hostId: reporter.hostId, state: { in: [...ACTIVE_STATES] } },
    data: {
      state,
      finishedAt: now,
      ...(state === "succeeded" ? { progress: 1 } : {}),
      result: (frame.result ?? undefined) as Prisma.InputJsonValue | undefined,
      error: error ? { code: error.code, message: error.message } : undefined,
    },
  });
  if (row) {
    await prisma.commandEvent.create({
      data: { commandId: row.id, kind: "state", state, at: now, message: error?.message ?? null },
    });
    deps.live.commandUpdate(row.orgId, toUpdateEvent(row));
    deps.log.info({ commandId: row.id, command: row.name, state, code: error?.code }, "command finished");
    return "applied";
  }
  const existing = await prisma.command.findFirst({
    where: { id: frame.commandId, hostId: reporter.hostId },
    select: { id: true, state: true, eventCount: true },
  });
  if (!existing) return "unknown";
  // It ended already (timed out, withdrawn): keep what the agent says happened anyway, so the
  // log shows it honestly, but the state stays final.
  if (existing.state !== state) {
    await prisma.commandEvent.create({
      data: {
        commandId: existing.id,
        kind: "note",
        at: now,
        message: `the agent reported ${state}${error ? ` (${error.code}: ${error.message})` : ""} after the command had ended as ${existing.state}`,
        data: (frame.result ?? undefined) as Prisma.InputJsonValue | undefined,
      },
    });
  }
  return "finished_already";
}
