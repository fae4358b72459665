/**
 * What happens to one replica: its create and remove commands are requested through the command
 * pipeline, and their outcome is read back from the Command rows. Every command carries an
 * idempotency key derived from the replica, so a step repeated after a crash or by a second
 * node returns the command already made instead of starting a second container.
 */
import type { Deployment, DeploymentReplica, Prisma } from "@flotilla/db";
import { type CommandContext, requestCommand } from "../commands/request-command.js";
import type { CommandErrorInfo } from "../commands/state-machine.js";
import type { Logger } from "../logger.js";
import type { Services } from "../services.js";
import { createCommandFor, readConfig } from "./spec.js";

export interface DeployDeps extends Pick<Services, "prisma" | "pool" | "live"> {
  log: Logger;
}

type CommandSummary = { id: string; state: string; result: unknown; error: unknown } | null;

export type LoadedReplica = DeploymentReplica & {
  host: { name: string };
  createCommand: CommandSummary;
  removeCommand: CommandSummary;
};

export const REPLICA_INCLUDE = {
  host: { select: { name: true } },
  createCommand: { select: { id: true, state: true, result: true, error: true } },
  removeCommand: { select: { id: true, state: true, result: true, error: true } },
} as const satisfies Prisma.DeploymentReplicaInclude;

/** Replica states that still have (or will have) a container. */
export const LIVE_REPLICA_STATES = new Set(["pending", "creating", "running", "removing"]);
const ACTIVE_COMMAND_STATES = new Set(["pending", "sent", "running"]);

export interface Observation {
  changed: boolean;
  /** Set when the replica failed in a way the deployment must report. */
  failure: string | null;
}

const createKey = (r: Pick<DeploymentReplica, "id">) => `deploy:${r.id}:create`;
// A retried removal gets a new key chained to the attempt before it, so it is a new command,
// while a repeat of the same attempt still finds the one already requested.
const removeKey = (r: Pick<DeploymentReplica, "id" | "removeCommandId">) =>
  `deploy:${r.id}:remove:${r.removeCommandId ?? "first"}`;

/** Commands are requested as the person who asked for the deployment's current state. */
function commandContext(deps: DeployDeps, d: Deployment): CommandContext {
  return {
    prisma: deps.prisma,
    live: deps.live,
    log: deps.log,
    actor: { orgId: d.orgId, userId: d.updatedById ?? d.createdById, role: null, ip: null },
  };
}

/** Moves a replica on only from the state it was read in, so two writers cannot both act on it. */
async function setReplica(
  deps: DeployDeps,
  r: LoadedReplica,
  data: Prisma.DeploymentReplicaUncheckedUpdateManyInput,
): Promise<boolean> {
  const { count } = await deps.prisma.deploymentReplica.updateMany({ where: { id: r.id, state: r.state }, data });
  if (count === 1) Object.assign(r, data);
  return count === 1;
}

/** Places a new replica: the row first (so a crash cannot forget the host it chose), then its command. */
export async function createReplica(
  deps: DeployDeps,
  d: Deployment,
  slot: { index: number; hostId: string },
): Promise<LoadedReplica> {
  const { id } = await deps.prisma.deploymentReplica.create({
    data: { deploymentId: d.id, index: slot.index, revision: d.revision, hostId: slot.hostId },
    select: { id: true },
  });
  // Read back separately: Prisma runs a create's relation reads in parallel inside its implicit
  // transaction, which pg warns about (prisma/orm#29979).
  const row = await deps.prisma.deploymentReplica.findUniqueOrThrow({ where: { id }, include: REPLICA_INCLUDE });
  await startReplica(deps, d, row);
  return row;
}

async function startReplica(deps: DeployDeps, d: Deployment, r: LoadedReplica): Promise<void> {
  const command = createCommandFor(
    { image: d.image, config: readConfig(d.config) },
    { deploymentId: d.id, deploymentName: d.name, index: r.index, revision: r.revision },
  );
  const view = await requestCommand(commandContext(deps, d), {
    hostId: r.hostId,
    command,
    idempotencyKey: createKey(r),
  });
  await setReplica(deps, r, { state: "creating", createCommandId: view.id });
  r.createCommand = { id: view.id, state: view.state, result: view.result, error: view.error };
}

export async function removeReplica(deps: DeployDeps, d: Deployment, r: LoadedReplica): Promise<void> {
  if (!r.externalId) {
    await setReplica(deps, r, { state: "removed" });
    return;
  }
  const view = await requestCommand(commandContext(deps, d), {
    hostId: r.hostId,
    command: { name: "container.remove", payload: { workloadId: r.externalId, force: true } },
    idempotencyKey: removeKey(r),
  });
  await setReplica(deps, r, { state: "removing", removeCommandId: view.id, error: null });
  r.removeCommand = { id: view.id, state: view.state, result: view.result, error: view.error };
}

/** Reads the outcome of the replica's command in flight, and requests the one a pending replica still needs. */
export async function observeReplica(deps: DeployDeps, d: Deployment, r: LoadedReplica): Promise<Observation> {
  const where = `replica ${r.index} on ${r.host.name}`;
  if (r.state === "pending") return { changed: await settlePending(deps, d, r), failure: null };
  if (r.state === "creating") {
    const c = r.createCommand;
    if (c && ACTIVE_COMMAND_STATES.has(c.state)) return { changed: false, failure: null };
    if (c?.state === "succeeded") {
      const externalId = (c.result as { workloadId?: string } | null)?.workloadId ?? null;
      return { changed: await setReplica(deps, r, { state: "running", externalId, error: null }), failure: null };
    }
    const message = c ? describeFailure(c) : "its create command is gone";
    const changed = await setReplica(deps, r, { state: "failed", error: message });
    // While the deployment is being removed, a replica that never started is no loss.
    return { changed, failure: changed && d.state !== "removing" ? `${where}: ${message}` : null };
  }
  if (r.state === "removing") {
    const c = r.removeCommand;
    if (c && ACTIVE_COMMAND_STATES.has(c.state)) return { changed: false, failure: null };
    const gone = c?.state === "succeeded" || (c?.error as CommandErrorInfo | null)?.code === "not_found";
    if (gone) return { changed: await setReplica(deps, r, { state: "removed" }), failure: null };
    // The container is still there: keep it counted as running, and say why it stayed.
    const message = `could not remove it: ${c ? describeFailure(c) : "its remove command is gone"}`;
    const changed = await setReplica(deps, r, { state: "running", error: message });
    return { changed, failure: changed ? `${where}: ${message}` : null };
  }
  return { changed: false, failure: null };
}

/**
 * A pending replica whose command may or may not have been requested before a crash: adopt the
 * command when it exists; otherwise request it, unless the replica is no longer wanted.
 */
async function settlePending(deps: DeployDeps, d: Deployment, r: LoadedReplica): Promise<boolean> {
  const existing = await deps.prisma.command.findUnique({
    where: { orgId_idempotencyKey: { orgId: d.orgId, idempotencyKey: createKey(r) } },
    select: { id: true, state: true, result: true, error: true },
  });
  if (existing) {
    r.createCommand = existing;
    return setReplica(deps, r, { state: "creating", createCommandId: existing.id });
  }
  const wanted = d.state !== "removing" && r.revision === d.revision && r.index < d.replicas;
  if (!wanted) return setReplica(deps, r, { state: "removed" });
  await startReplica(deps, d, r);
  return true;
}

function describeFailure(c: NonNullable<CommandSummary>): string {
  const error = c.error as CommandErrorInfo | null;
  const what = c.state === "timed_out" ? "timed out" : c.state === "cancelled" ? "was cancelled" : "failed";
  return error?.message ? `${what}: ${error.message}` : what;
}
