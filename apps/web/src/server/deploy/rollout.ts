/**
 * One reconciliation step of a deployment: read what its replicas' commands did, then take the
 * next steps toward the wanted state. Everything it knows is in the database, so any node may
 * take the next step after a restart. Rules:
 *   - a first rollout and a scale-up create the missing replicas all at once;
 *   - a scale-down removes the replicas of slots past the count all at once;
 *   - a new revision replaces one slot at a time: a new replica next to the old one
 *     (maxSurge 1), and the old one is removed only once the new one runs (maxUnavailable 0);
 *   - a failure stops the rollout: failed on a first rollout, degraded afterwards, with the reason.
 */
import type { Deployment, Prisma } from "@flotilla/db";
import { AppError } from "../errors.js";
import { loadSchedulerHosts } from "./capacity.js";
import {
  createReplica,
  type DeployDeps,
  LIVE_REPLICA_STATES,
  type LoadedReplica,
  observeReplica,
  REPLICA_INCLUDE,
  removeReplica,
} from "./replica-ops.js";
import { placeReplicas } from "./scheduler.js";
import { readConfig, replicaRequest } from "./spec.js";
import { stackAllows } from "./stack-gate.js";
import { toUpdateEvent } from "./views.js";

/** Deployment states the reconciler works on; the others wait for a person. */
export const ACTIVE_DEPLOYMENT_STATES = ["pending", "rolling_out", "updating", "removing"] as const;

type LoadedDeployment = Deployment & { replicaRows: LoadedReplica[] };

export async function reconcileDeployment(deps: DeployDeps, id: string): Promise<void> {
  const d = await loadDeployment(deps, id);
  if (!d || !(ACTIVE_DEPLOYMENT_STATES as readonly string[]).includes(d.state)) return;
  if (d.stackId && !(await stackAllows(deps.prisma, d))) return;
  let changed = false;
  try {
    changed = await step(deps, d);
  } catch (err) {
    // A request the command pipeline refuses will be refused again: stop and say why.
    if (!(err instanceof AppError) || err.code === "internal") throw err;
    changed = await stopWith(deps, d, err.message);
  }
  if (changed) await publish(deps, d.id);
}

async function step(deps: DeployDeps, d: LoadedDeployment): Promise<boolean> {
  let changed = false;
  const failures: string[] = [];
  for (const r of d.replicaRows) {
    const seen = await observeReplica(deps, d, r);
    changed ||= seen.changed;
    if (seen.failure) failures.push(seen.failure);
  }
  if (failures.length > 0) {
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : "";
    return (await stopWith(deps, d, `${failures[0]}${more}`)) || changed;
  }
  if (d.state === "pending") changed = (await setDeployment(deps, d, { state: "rolling_out" })) || changed;
  const live = () => d.replicaRows.filter((r) => LIVE_REPLICA_STATES.has(r.state));

  if (d.state === "removing") {
    for (const r of live()) {
      if (r.state !== "running") continue;
      await removeReplica(deps, d, r);
      changed = true;
    }
    if (live().length === 0) changed = (await setDeployment(deps, d, { state: "removed", reason: null })) || changed;
    return changed;
  }

  changed = (await scaleDown(deps, d, live())) || changed;
  const filled = await fillEmptySlots(deps, d, live());
  if (filled === "stopped") return true;
  changed ||= filled;
  const busy = live().some((r) => r.state !== "running");
  if (!busy) changed = (await replaceNextOldReplica(deps, d, live())) || changed;
  if (isComplete(d, live())) changed = (await setDeployment(deps, d, { state: "running", reason: null })) || changed;
  return changed;
}

async function scaleDown(deps: DeployDeps, d: LoadedDeployment, live: LoadedReplica[]): Promise<boolean> {
  const extra = live.filter((r) => r.state === "running" && r.index >= d.replicas);
  for (const r of extra) await removeReplica(deps, d, r);
  return extra.length > 0;
}

/** Slots without a replica (a first rollout, a scale-up, a failed one cleared) get one now. */
async function fillEmptySlots(deps: DeployDeps, d: LoadedDeployment, live: LoadedReplica[]) {
  const empty = range(d.replicas).filter((i) => !live.some((r) => r.index === i && r.state !== "removing"));
  if (empty.length === 0) return false;
  const hostIds = await place(deps, d, empty.length, []);
  if (typeof hostIds === "string") return (await stopWith(deps, d, hostIds)) ? "stopped" : false;
  for (const [n, index] of empty.entries()) {
    d.replicaRows.push(await createReplica(deps, d, { index, hostId: hostIds[n] as string }));
  }
  return true;
}

/** The rolling replace, one slot at a time: surge a new replica, and once it runs remove the old one. */
async function replaceNextOldReplica(deps: DeployDeps, d: LoadedDeployment, live: LoadedReplica[]): Promise<boolean> {
  for (const index of range(d.replicas)) {
    const slot = live.filter((r) => r.index === index);
    const old = slot.filter((r) => r.revision !== d.revision);
    if (old.length === 0) continue;
    if (slot.some((r) => r.revision === d.revision)) {
      for (const r of old) await removeReplica(deps, d, r);
      return true;
    }
    // The old replica leaves this host soon: spread need not steer the new one away from it.
    const hostIds = await place(
      deps,
      d,
      1,
      old.map((r) => r.id),
    );
    if (typeof hostIds === "string") return stopWith(deps, d, `replacing replica ${index}: ${hostIds}`);
    d.replicaRows.push(await createReplica(deps, d, { index, hostId: hostIds[0] as string }));
    return true;
  }
  return false;
}

/** Host ids for `count` new replicas, or the scheduler's reason when they do not fit. */
async function place(deps: DeployDeps, d: Deployment, count: number, leaving: string[]): Promise<string[] | string> {
  // A team's replicas run on that team's hosts only (access scoping, issue #7).
  const hosts = await loadSchedulerHosts(deps, d.orgId, { deploymentId: d.id, leaving }, d.teamId);
  const result = placeReplicas({
    hosts,
    count,
    request: replicaRequest(readConfig(d.config)),
    strategy: d.strategy,
    hostId: d.hostId,
    selector: d.hostSelector as Record<string, string>,
  });
  return result.ok ? result.hostIds : result.message;
}

function isComplete(d: Deployment, live: LoadedReplica[]): boolean {
  const indexes = new Set(live.map((r) => r.index));
  return (
    live.length === d.replicas &&
    indexes.size === d.replicas &&
    live.every((r) => r.state === "running" && r.revision === d.revision && r.index < d.replicas)
  );
}

/** A failure stops the rollout where it is: nothing is undone, running replicas keep running. */
async function stopWith(deps: DeployDeps, d: LoadedDeployment, reason: string): Promise<boolean> {
  const state = d.state === "pending" || d.state === "rolling_out" ? "failed" : "degraded";
  deps.log.warn({ deploymentId: d.id, reason }, `deployment ${state}`);
  return setDeployment(deps, d, { state, reason: reason.slice(0, 2000) });
}

/** Conditional on the state it was read in: a person's change made meanwhile wins over this step. */
async function setDeployment(
  deps: DeployDeps,
  d: LoadedDeployment,
  data: Pick<Prisma.DeploymentUncheckedUpdateManyInput, "state" | "reason">,
): Promise<boolean> {
  const { count } = await deps.prisma.deployment.updateMany({
    where: { id: d.id, state: d.state, revision: d.revision, replicas: d.replicas },
    data,
  });
  if (count === 1) Object.assign(d, data);
  return count === 1;
}

async function loadDeployment(deps: DeployDeps, id: string): Promise<LoadedDeployment | null> {
  return deps.prisma.deployment.findUnique({
    where: { id },
    include: {
      replicaRows: {
        where: { state: { in: [...LIVE_REPLICA_STATES] as ("pending" | "creating" | "running" | "removing")[] } },
        include: REPLICA_INCLUDE,
        orderBy: [{ index: "asc" }, { revision: "asc" }],
      },
    },
  });
}

/** Tells browsers in the organisation where the deployment stands now. */
export async function publish(deps: DeployDeps, id: string): Promise<void> {
  const d = await deps.prisma.deployment.findUnique({
    where: { id },
    include: { replicaRows: { where: { state: "running" }, select: { index: true, revision: true, state: true } } },
  });
  if (d) deps.live.deploymentUpdate(d.orgId, toUpdateEvent(d, d.replicaRows));
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
