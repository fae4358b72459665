/**
 * The order of a stack's services: a service's deployment starts only once every service it
 * depends on runs, and is removed only once every service that depends on it is gone (as
 * `docker compose up` and `down` order them).
 */
import type { Deployment } from "@flotilla/db";
import { z } from "zod";
import type { PrismaClient } from "../services.js";

export const stackServicesSchema = z.array(
  z.object({ name: z.string(), deploymentId: z.string(), dependsOn: z.array(z.string()) }),
);
export type StackServices = z.infer<typeof stackServicesSchema>;

/** Whether the reconciler may work on this stack member now. */
export async function stackAllows(
  prisma: PrismaClient,
  d: Pick<Deployment, "id" | "stackId" | "state">,
): Promise<boolean> {
  if (!d.stackId || (d.state !== "pending" && d.state !== "removing")) return true;
  const stack = await prisma.stack.findUnique({
    where: { id: d.stackId },
    select: { services: true, deployments: { select: { id: true, state: true } } },
  });
  if (!stack) return true;
  const services = stackServicesSchema.parse(stack.services);
  const stateOf = new Map(stack.deployments.map((x) => [x.id, x.state]));
  const me = services.find((s) => s.deploymentId === d.id);
  if (!me) return true;
  if (d.state === "pending") {
    const dependencies = services.filter((s) => me.dependsOn.includes(s.name));
    return dependencies.every((s) => stateOf.get(s.deploymentId) === "running");
  }
  const dependents = services.filter((s) => s.dependsOn.includes(me.name));
  return dependents.every((s) => (stateOf.get(s.deploymentId) ?? "removed") === "removed");
}
