/** How deployments and stacks look outside the database: to the API and to browsers (`deployment:update`). */
import type { Deployment, DeploymentReplica } from "@flotilla/db";
import type { DeploymentUpdateEvent } from "../../shared/live-events.js";
import type { CommandErrorInfo, CommandState } from "../commands/state-machine.js";
import { type DeploymentConfig, readConfig } from "./spec.js";

export interface DeploymentView {
  id: string;
  name: string;
  teamId: string;
  stackId: string | null;
  image: string;
  config: DeploymentConfig;
  replicas: number;
  strategy: "binpack" | "spread" | "host";
  hostId: string | null;
  hostSelector: Record<string, string>;
  state: DeploymentUpdateEvent["state"];
  reason: string | null;
  revision: number;
  /** Replicas running at the current revision. */
  ready: number;
  createdAt: string;
  updatedAt: string;
}

export interface ReplicaCommandView {
  id: string;
  state: CommandState;
  error: CommandErrorInfo | null;
}

export interface ReplicaView {
  id: string;
  index: number;
  revision: number;
  hostId: string;
  hostName: string;
  externalId: string | null;
  state: "pending" | "creating" | "running" | "removing" | "removed" | "failed";
  error: string | null;
  createCommand: ReplicaCommandView | null;
  removeCommand: ReplicaCommandView | null;
  createdAt: string;
  updatedAt: string;
}

export interface DeploymentDetail extends DeploymentView {
  replicaList: ReplicaView[];
}

type ReplicaCounted = Pick<DeploymentReplica, "index" | "revision" | "state">;

/** Replicas running at the deployment's revision in a wanted slot. */
export function readyCount(d: Pick<Deployment, "revision" | "replicas">, replicas: readonly ReplicaCounted[]): number {
  return replicas.filter((r) => r.state === "running" && r.revision === d.revision && r.index < d.replicas).length;
}

export function toDeploymentView(d: Deployment, replicas: readonly ReplicaCounted[]): DeploymentView {
  return {
    id: d.id,
    name: d.name,
    teamId: d.teamId,
    stackId: d.stackId,
    image: d.image,
    config: readConfig(d.config),
    replicas: d.replicas,
    strategy: d.strategy,
    hostId: d.hostId,
    hostSelector: d.hostSelector as Record<string, string>,
    state: d.state,
    reason: d.reason,
    revision: d.revision,
    ready: readyCount(d, replicas),
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
  };
}

export function toUpdateEvent(d: Deployment, replicas: readonly ReplicaCounted[]): DeploymentUpdateEvent {
  return {
    id: d.id,
    name: d.name,
    stackId: d.stackId,
    state: d.state,
    revision: d.revision,
    ready: readyCount(d, replicas),
    desired: d.state === "removing" || d.state === "removed" ? 0 : d.replicas,
    reason: d.reason,
  };
}

type CommandSummary = { id: string; state: string; error: unknown } | null;

function toCommandSummary(c: CommandSummary): ReplicaCommandView | null {
  return c ? { id: c.id, state: c.state as CommandState, error: (c.error as CommandErrorInfo | null) ?? null } : null;
}

export function toReplicaView(
  r: DeploymentReplica & { host: { name: string }; createCommand: CommandSummary; removeCommand: CommandSummary },
): ReplicaView {
  return {
    id: r.id,
    index: r.index,
    revision: r.revision,
    hostId: r.hostId,
    hostName: r.host.name,
    externalId: r.externalId,
    state: r.state,
    error: r.error,
    createCommand: toCommandSummary(r.createCommand),
    removeCommand: toCommandSummary(r.removeCommand),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
