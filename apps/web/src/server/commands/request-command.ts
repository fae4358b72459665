/**
 * Asking a host to do something: checks the caller's permission for that command, then writes
 * the Command row, its audit entry and the NOTIFY in ONE transaction (the notification is
 * delivered only if the transaction commits). The agent gets it from the dispatcher.
 */
import { Prisma } from "@flotilla/db";
import type { Command, CommandName } from "@flotilla/protocol";
import { permissionForCommand, type Role, roleHasPermission } from "../access/permissions.js";
import { AppError } from "../errors.js";
import type { Logger } from "../logger.js";
import { assertNotLeased } from "../migrations/leases.js";
import type { Services } from "../services.js";
import {
  COMMANDS_CHANNEL,
  type CommandView,
  defaultDeadlineMs,
  MAX_DEADLINE_MS,
  MIN_DEADLINE_MS,
  toCommandView,
  toUpdateEvent,
} from "./command-view.js";

/** Who is asking. A null role is the server itself (a plan executor), which holds every permission. */
export interface CommandActor {
  orgId: string;
  userId: string | null;
  role: Role | null;
  ip: string | null;
  /** The workload lease the caller holds (e.g. "migration:<id>"): its commands pass the lease check. */
  leaseHolder?: string;
}

export interface CommandContext extends Pick<Services, "prisma" | "live"> {
  log: Logger;
  actor: CommandActor;
}

export interface RequestCommandInput {
  hostId: string;
  command: Command;
  /** A repeated key (per organisation) returns the first command instead of making another. */
  idempotencyKey?: string;
  /** How long the command may wait for its agent and run, from now. */
  deadlineMs?: number;
}

export function assertMayRun(actor: CommandActor, name: CommandName): void {
  if (actor.role === null) return;
  if (!roleHasPermission(actor.role, permissionForCommand(name))) {
    throw new AppError("forbidden", `Your role does not allow ${name} commands.`);
  }
}

export function actorLabel(actor: CommandActor): string {
  return actor.userId ? `user:${actor.userId}` : "system";
}

export async function requestCommand(ctx: CommandContext, input: RequestCommandInput): Promise<CommandView> {
  const { prisma, actor } = ctx;
  assertMayRun(actor, input.command.name);
  if (input.command.name === "image.pull" && input.command.payload.auth) {
    // Requests are stored and shown in the command log; registry passwords must not be.
    throw new AppError(
      "invalid",
      "Registry credentials cannot be sent with a pull request; the server adds stored ones.",
    );
  }
  const deadlineMs = input.deadlineMs ?? defaultDeadlineMs(input.command);
  if (deadlineMs < MIN_DEADLINE_MS || deadlineMs > MAX_DEADLINE_MS) {
    throw new AppError("invalid", `The deadline must be between 1 second and 24 hours.`);
  }

  if (input.idempotencyKey) {
    const first = await findByKey(ctx, input.idempotencyKey);
    if (first) return sameRequestOrConflict(first, input);
  }
  const host = await prisma.host.findFirst({ where: { id: input.hostId, orgId: actor.orgId }, select: { id: true } });
  if (!host) throw new AppError("not_found", "No such host.");
  // Workload leases (migrations/leases.ts): a workload that is moving takes no other command.
  await assertNotLeased(prisma, actor.orgId, input.command, actor.leaseHolder);

  let row: Awaited<ReturnType<typeof prisma.command.create>>;
  try {
    row = await prisma.$transaction(async (tx) => {
      const created = await tx.command.create({
        data: {
          orgId: actor.orgId,
          hostId: host.id,
          name: input.command.name,
          payload: input.command.payload as Prisma.InputJsonValue,
          idempotencyKey: input.idempotencyKey ?? null,
          deadline: new Date(Date.now() + deadlineMs),
          requestedById: actor.userId,
        },
      });
      await tx.commandEvent.create({
        data: { commandId: created.id, kind: "state", state: "pending", message: `requested by ${actorLabel(actor)}` },
      });
      await tx.auditEntry.create({
        data: {
          orgId: actor.orgId,
          actorId: actor.userId,
          actor: actorLabel(actor),
          action: "command.requested",
          target: `host:${host.id}`,
          ip: actor.ip,
          // The payload may hold environment values; the Command row keeps it, the audit log keeps what happened.
          data: { commandId: created.id, name: created.name },
        },
      });
      await tx.$executeRaw`SELECT pg_notify(${COMMANDS_CHANNEL}, ${created.id})`;
      return created;
    });
  } catch (err) {
    // Two requests with the same new key raced: the loser returns the winner's command.
    if (input.idempotencyKey && isUniqueViolation(err)) {
      const first = await findByKey(ctx, input.idempotencyKey);
      if (first) return sameRequestOrConflict(first, input);
    }
    throw err;
  }
  ctx.log.info({ commandId: row.id, command: row.name, hostId: row.hostId }, "command requested");
  ctx.live.commandUpdate(row.orgId, toUpdateEvent(row));
  return toCommandView(row);
}

function findByKey(ctx: CommandContext, key: string) {
  return ctx.prisma.command.findUnique({
    where: { orgId_idempotencyKey: { orgId: ctx.actor.orgId, idempotencyKey: key } },
  });
}

/** The first command for a key, unless the key is being reused for a different request. */
function sameRequestOrConflict(
  first: NonNullable<Awaited<ReturnType<typeof findByKey>>>,
  input: RequestCommandInput,
): CommandView {
  const same =
    first.hostId === input.hostId &&
    first.name === input.command.name &&
    stableJson(first.payload) === stableJson(input.command.payload);
  if (!same) throw new AppError("conflict", "This idempotency key was already used for a different command.");
  return toCommandView(first);
}

/** JSON with sorted keys, so a payload read back from jsonb compares equal to the one sent. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
}
