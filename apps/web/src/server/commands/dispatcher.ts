/**
 * One per server node: sends commands to the agents connected to THIS node. It learns of new,
 * cancelled and timed-out commands from NOTIFY (its own LISTEN connection), catches up from
 * the Command table after every (re)connect and every few seconds, and on an agent's arrival
 * sends all of its unfinished commands in order. Per host, deliveries run one at a time.
 * It also runs the deadline sweeper and routes agents' progress and results.
 */
import type { Command as CommandRow } from "@flotilla/db";
import {
  type Command,
  type CommandProgressFrame,
  type CommandResultFrame,
  commandSchema,
  type ServerFrameInput,
} from "@flotilla/protocol";
import { createMicroBatcher } from "../gateway/micro-batcher.js";
import type { Logger } from "../logger.js";
import type { Services } from "../services.js";
import { type ReportOutcome, recordProgress, recordResult } from "./agent-reports.js";
import { deleteExpiredBlobs } from "./blobs.js";
import { COMMANDS_CHANNEL, toUpdateEvent } from "./command-view.js";
import { timeOutOverdueCommands } from "./deadline-sweeper.js";
import { createPgListener } from "./pg-listener.js";
import { ACTIVE_STATES, isActive } from "./state-machine.js";

/** An agent connection as the dispatcher sees it (the gateway's AgentConnection implements it). */
export interface AgentLink {
  readonly hostId: string;
  readonly orgId: string;
  readonly agentId: string;
  readonly log: Logger;
  /** False when the socket is not open (the frame is not sent). */
  send(frame: ServerFrameInput): boolean;
}

export interface CommandDispatcher {
  start(): Promise<void>;
  /** Stops listening and sweeping, and waits for deliveries in progress. */
  stop(): Promise<void>;
  /** The agent was welcomed on this node: send it everything it has not finished. */
  agentReady(link: AgentLink): void;
  agentGone(link: AgentLink): void;
  progress(link: AgentLink, frame: CommandProgressFrame): Promise<ReportOutcome>;
  result(link: AgentLink, frame: CommandResultFrame): Promise<ReportOutcome>;
  /** Resolves when every delivery queued so far has run (tests, shutdown). */
  idle(): Promise<void>;
}

export interface DispatcherOptions extends Pick<Services, "prisma" | "live"> {
  databaseUrl: string;
  log: Logger;
  sweepEveryMs?: number;
  /** Extra time an agent that has a command gets after the deadline to report on it. */
  deadlineGraceMs?: number;
  /** Safety net for lost notifications. */
  pollEveryMs?: number;
  /** Fills secrets (registry credentials) into a payload as it is sent; they are never stored. */
  resolveSecrets?: (command: Command, row: CommandRow) => Promise<Command>;
}

export function createCommandDispatcher(options: DispatcherOptions): CommandDispatcher {
  const { prisma, live } = options;
  const log = options.log.child({ component: "commands" });
  const deps = { prisma, live, log };
  const links = new Map<string, AgentLink>();
  /** Cancels already sent on a link, so the catch-up poll does not repeat them. */
  const cancelsSent = new WeakMap<AgentLink, Set<string>>();
  const chains = new Map<string, Promise<void>>();
  const timers: NodeJS.Timeout[] = [];
  let sweeping: Promise<unknown> = Promise.resolve();
  let stopped = false;

  /**
   * Which arriving agents have unfinished commands: one query per batch of arrivals, so ten
   * thousand agents reconnecting at once cost a few queries, and only hosts with work get more.
   */
  const hasUnfinished = createMicroBatcher<string, boolean>(
    async (hostIds) => {
      const rows = await prisma.command.findMany({
        where: { hostId: { in: hostIds }, state: { in: [...ACTIVE_STATES] } },
        select: { hostId: true },
        distinct: ["hostId"],
      });
      const busy = new Set(rows.map((r) => r.hostId));
      return hostIds.map((id) => busy.has(id));
    },
    { maxSize: 500, maxWaitMs: 10 },
  );

  /** Runs deliveries for one host in order; a failure is logged, and the next poll retries. */
  function serial(hostId: string, work: () => Promise<void>): Promise<void> {
    const next = (chains.get(hostId) ?? Promise.resolve())
      .then(work)
      .catch((err: unknown) => log.error({ err, hostId }, "command delivery failed"));
    chains.set(hostId, next);
    void next.then(() => {
      if (chains.get(hostId) === next) chains.delete(hostId);
    });
    return next;
  }

  function sendCancel(link: AgentLink, id: string): void {
    const sent = cancelsSent.get(link) ?? new Set<string>();
    cancelsSent.set(link, sent);
    if (sent.has(id)) return;
    if (link.send({ type: "cancel", commandId: id })) sent.add(id);
  }

  /** The frame to send, or null when the stored payload no longer passes the protocol (then it fails). */
  async function frameFor(row: CommandRow): Promise<ServerFrameInput | null> {
    const parsed = commandSchema.safeParse({ name: row.name, payload: row.payload });
    if (!parsed.success) {
      const message = `the stored command does not match the protocol: ${parsed.error.issues[0]?.message ?? "invalid"}`;
      const [failed] = await prisma.command.updateManyAndReturn({
        where: { id: row.id, state: { in: [...ACTIVE_STATES] } },
        data: { state: "failed", finishedAt: new Date(), error: { code: "invalid_command", message } },
      });
      if (failed) {
        await prisma.commandEvent.create({ data: { commandId: row.id, kind: "state", state: "failed", message } });
        live.commandUpdate(failed.orgId, toUpdateEvent(failed));
      }
      return null;
    }
    const command = options.resolveSecrets ? await options.resolveSecrets(parsed.data, row) : parsed.data;
    return { type: "command", id: row.id, deadline: row.deadline.getTime(), command };
  }

  /**
   * Sends one command if it is this link's to send: a pending one is claimed (pending -> sent)
   * BEFORE it is sent, so two nodes or two paths never both send it; with `resend`, one the
   * agent may already have is sent again (the agent answers from its record, never re-runs it).
   */
  async function deliver(link: AgentLink, row: CommandRow, resend: boolean): Promise<void> {
    if (row.cancelRequestedAt && (row.state === "sent" || row.state === "running")) sendCancel(link, row.id);
    if (row.state === "pending") {
      if (row.deadline.getTime() <= Date.now()) return; // the sweeper times it out
      const frame = await frameFor(row);
      if (!frame) return;
      const [claimed] = await prisma.command.updateManyAndReturn({
        where: { id: row.id, state: "pending" },
        data: { state: "sent", sentAt: new Date(), attempts: { increment: 1 } },
      });
      if (!claimed) return;
      await prisma.commandEvent.create({ data: { commandId: row.id, kind: "state", state: "sent" } });
      live.commandUpdate(claimed.orgId, toUpdateEvent(claimed));
      link.send(frame);
      link.log.info({ commandId: row.id, command: row.name }, "command sent");
    } else if (resend && (row.state === "sent" || row.state === "running")) {
      const frame = await frameFor(row);
      if (!frame) return;
      await prisma.command.updateMany({
        where: { id: row.id, state: { in: ["sent", "running"] } },
        data: { attempts: { increment: 1 } },
      });
      link.send(frame);
      link.log.info({ commandId: row.id, command: row.name, state: row.state }, "command sent again");
    }
  }

  /** Everything unfinished for this host, oldest first. `resend`: also what the agent may already have. */
  async function deliverHost(link: AgentLink, resend: boolean): Promise<void> {
    const rows = await prisma.command.findMany({
      where: { hostId: link.hostId, state: { in: [...ACTIVE_STATES] } },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    for (const row of rows) {
      if (links.get(link.hostId) !== link) return; // the agent went away meanwhile
      await deliver(link, row, resend);
    }
  }

  /** A command id was announced: new, cancel requested, or timed out. */
  async function onNotification(id: string): Promise<void> {
    const row = await prisma.command.findUnique({ where: { id }, select: { hostId: true } });
    const link = row ? links.get(row.hostId) : undefined;
    if (!row || !link) return;
    await serial(row.hostId, async () => {
      const fresh = await prisma.command.findUnique({ where: { id } });
      if (!fresh || links.get(fresh.hostId) !== link) return;
      if (isActive(fresh.state)) return deliver(link, fresh, false);
      // Ended on the server while the agent may still be working on it: tell the agent to stop.
      if ((fresh.state === "timed_out" || fresh.state === "cancelled") && fresh.sentAt) sendCancel(link, id);
    });
  }

  /**
   * What a lost notification could have left undone for the agents here: pending commands and
   * cancels. One query for all of this node's hosts (usually empty), not one per agent.
   */
  async function catchUp(): Promise<void> {
    if (links.size === 0 || stopped) return;
    const rows = await prisma.command.findMany({
      where: {
        hostId: { in: [...links.keys()] },
        OR: [{ state: "pending" }, { state: { in: ["sent", "running"] }, cancelRequestedAt: { not: null } }],
      },
      select: { hostId: true },
      distinct: ["hostId"],
    });
    for (const { hostId } of rows) {
      const link = links.get(hostId);
      if (link) void serial(hostId, () => deliverHost(link, false));
    }
  }

  function scheduleCatchUp(): void {
    catchUp().catch((err: unknown) => log.error({ err }, "command catch-up failed"));
  }

  const listener = createPgListener({
    databaseUrl: options.databaseUrl,
    channel: COMMANDS_CHANNEL,
    log,
    onNotification: (id) => {
      if (!stopped)
        onNotification(id).catch((err: unknown) => log.error({ err, commandId: id }, "notification failed"));
    },
    onConnected: (reconnected) => {
      if (reconnected) scheduleCatchUp();
    },
  });

  function sweep(): Promise<unknown> {
    sweeping = sweeping
      .then(() => timeOutOverdueCommands(deps, options.deadlineGraceMs ?? 5_000))
      .catch((err: unknown) => log.error({ err }, "deadline sweep failed"));
    return sweeping;
  }

  /** Build contexts live a day; every node may delete expired ones (the delete is idempotent). */
  function pruneBlobs(): void {
    sweeping = sweeping
      .then(() => deleteExpiredBlobs(prisma))
      .then((count) => {
        if (count > 0) log.info({ count }, "expired blobs deleted");
      })
      .catch((err: unknown) => log.error({ err }, "deleting expired blobs failed"));
  }

  async function idle(): Promise<void> {
    while (chains.size > 0) await Promise.all([...chains.values()]);
  }

  return {
    async start() {
      stopped = false;
      await listener.start();
      timers.push(setInterval(() => void sweep(), options.sweepEveryMs ?? 1_000));
      timers.push(setInterval(scheduleCatchUp, options.pollEveryMs ?? 10_000));
      timers.push(setInterval(pruneBlobs, 10 * 60_000));
      for (const t of timers) t.unref();
    },
    async stop() {
      stopped = true;
      for (const t of timers.splice(0)) clearInterval(t);
      await listener.stop();
      await sweeping;
      await idle();
      links.clear();
    },
    agentReady(link) {
      if (stopped) return;
      links.set(link.hostId, link);
      void serial(link.hostId, async () => {
        if (await hasUnfinished.run(link.hostId)) await deliverHost(link, true);
      });
    },
    agentGone(link) {
      if (links.get(link.hostId) === link) links.delete(link.hostId);
    },
    progress: (link, frame) => recordProgress(deps, link, frame),
    result: (link, frame) => recordResult(deps, link, frame),
    idle,
  };
}
