/**
 * What a deployment runs: its stored container config (the protocol's container.create payload
 * without name, image and start), and how one replica's create command is made from it. The
 * labels written here are how a container is traced back to its deployment on any host.
 */
import { type CommandOf, containerCreatePayloadSchema, imageReferenceSchema } from "@flotilla/protocol";
import { z } from "zod";
import { DEFAULT_REQUEST, type ReplicaRequest } from "./scheduler.js";

/** The container config a deployment stores; defaults filled in, so stored rows are complete. */
export const deploymentConfigSchema = containerCreatePayloadSchema.omit({ name: true, image: true, start: true });
export type DeploymentConfig = z.infer<typeof deploymentConfigSchema>;
export type DeploymentConfigInput = z.input<typeof deploymentConfigSchema>;

/** Deployment and stack names: they become container names (`<name>-<index>-r<revision>`). */
export const deploymentNameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_.-]{0,62}$/,
    "must be 1-63 lower-case letters, digits, '_', '.' or '-', starting with a letter or digit",
  );

export const hostSelectorSchema = z.record(z.string().min(1).max(255), z.string().max(255));

export { imageReferenceSchema };

export const DEPLOYMENT_LABEL = "flotilla.deployment";
export const REVISION_LABEL = "flotilla.revision";
export const REPLICA_LABEL = "flotilla.replica";

/** The largest replica count one deployment may ask for. */
export const MAX_REPLICAS = 100;

export interface ReplicaIdentity {
  deploymentId: string;
  deploymentName: string;
  index: number;
  revision: number;
}

/**
 * The revision is part of the container name: during a rolling update the new replica starts
 * next to the old one (maxSurge 1), possibly on the same host, and container names are unique
 * per engine.
 */
export function containerName(r: Pick<ReplicaIdentity, "deploymentName" | "index" | "revision">): string {
  return `${r.deploymentName}-${r.index}-r${r.revision}`;
}

export function createCommandFor(
  spec: { image: string; config: DeploymentConfig },
  replica: ReplicaIdentity,
): CommandOf<"container.create"> {
  return {
    name: "container.create",
    payload: {
      ...spec.config,
      image: spec.image,
      name: containerName(replica),
      start: true,
      labels: {
        ...spec.config.labels,
        [DEPLOYMENT_LABEL]: replica.deploymentId,
        [REVISION_LABEL]: String(replica.revision),
        [REPLICA_LABEL]: String(replica.index),
      },
    },
  };
}

/** What the scheduler reserves for one replica: its limits, or the defaults when it sets none. */
export function replicaRequest(config: DeploymentConfig): ReplicaRequest {
  return {
    cpus: config.cpus ?? DEFAULT_REQUEST.cpus,
    memoryBytes: config.memoryBytes ?? DEFAULT_REQUEST.memoryBytes,
    ports: fixedPorts(config),
  };
}

/** "tcp/8080" for every port published on a fixed host port (0 or none: the engine picks). */
export function fixedPorts(config: Pick<DeploymentConfig, "ports">): string[] {
  return config.ports.filter((p) => (p.hostPort ?? 0) > 0).map((p) => `${p.protocol}/${p.hostPort}`);
}

/** Reads a stored config back; a row that no longer parses is reported, not trusted. */
export function readConfig(value: unknown): DeploymentConfig {
  return deploymentConfigSchema.parse(value);
}
