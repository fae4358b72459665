/** What the deploy API accepts, validated once at the tRPC boundary and trusted by the domain code. */
import { z } from "zod";
import {
  deploymentConfigSchema,
  deploymentNameSchema,
  hostSelectorSchema,
  imageReferenceSchema,
  MAX_REPLICAS,
} from "./spec.js";

const idSchema = z.string().min(1).max(200);
const strategySchema = z.enum(["binpack", "spread", "host"]);
/** A compose file bigger than this is not a compose file. */
export const MAX_COMPOSE_BYTES = 256 * 1024;

/** Where replicas may go: a strategy, the host for "host", and labels a host must carry. */
const placementFields = {
  strategy: strategySchema,
  hostId: idSchema.nullish(),
  hostSelector: hostSelectorSchema,
};

export const createDeploymentInput = z.object({
  name: deploymentNameSchema,
  image: imageReferenceSchema,
  config: deploymentConfigSchema.default(deploymentConfigSchema.parse({})),
  replicas: z.number().int().min(1).max(MAX_REPLICAS),
  strategy: placementFields.strategy.default("spread"),
  hostId: placementFields.hostId,
  hostSelector: placementFields.hostSelector.default({}),
  /** Defaults to the organisation's first team. */
  teamId: idSchema.optional(),
});
export type CreateDeploymentInput = z.infer<typeof createDeploymentInput>;

/** A new revision: what is given replaces the current value (config as a whole); the rest is kept. */
export const updateDeploymentInput = z.object({
  id: idSchema,
  image: imageReferenceSchema.optional(),
  config: deploymentConfigSchema.optional(),
  strategy: placementFields.strategy.optional(),
  hostId: placementFields.hostId,
  hostSelector: placementFields.hostSelector.optional(),
});
export type UpdateDeploymentInput = z.infer<typeof updateDeploymentInput>;

export const scaleDeploymentInput = z.object({ id: idSchema, replicas: z.number().int().min(0).max(MAX_REPLICAS) });
export const byIdInput = z.object({ id: idSchema });
export const listInput = z.object({ includeRemoved: z.boolean().default(false) }).default({ includeRemoved: false });

export const previewPlacementInput = z.object({
  replicas: z.number().int().min(1).max(MAX_REPLICAS),
  config: deploymentConfigSchema.default(deploymentConfigSchema.parse({})),
  strategy: placementFields.strategy.default("spread"),
  hostId: placementFields.hostId,
  hostSelector: placementFields.hostSelector.default({}),
  /** Preview as an update of this deployment: its replicas count as already placed. */
  deploymentId: idSchema.optional(),
  /** The team whose hosts it would run on (default: the deployment's team, else every team). */
  teamId: idSchema.optional(),
});
export type PreviewPlacementInput = z.infer<typeof previewPlacementInput>;

export const deployStackInput = z.object({
  name: deploymentNameSchema,
  hostId: idSchema,
  compose: z.string().min(1).max(MAX_COMPOSE_BYTES),
  teamId: idSchema.optional(),
});
export type DeployStackInput = z.infer<typeof deployStackInput>;
