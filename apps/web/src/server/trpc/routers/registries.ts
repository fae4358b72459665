/** registries.*: an organisation's private registry logins (see server/registries). Passwords are write-only. */
import { z } from "zod";
import type { SessionInfo } from "../../auth/sessions.js";
import {
  listCredentials,
  type RegistryContext,
  removeCredential,
  setCredential,
} from "../../registries/credentials.js";
import type { Context } from "../context.js";
import { on, permission, router } from "../init.js";

/** host[:port] as in an image reference: "docker.io", "ghcr.io", "127.0.0.1:5000", "localhost:5000". */
const registrySchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(255)
  .regex(
    /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d{1,5})?$/,
    "must be a registry host such as docker.io, ghcr.io or 127.0.0.1:5000 (no scheme or path)",
  );

function registryContext(ctx: Context & { session: SessionInfo }): RegistryContext {
  return {
    prisma: ctx.services.prisma,
    config: ctx.services.config,
    actor: { orgId: ctx.session.orgId, userId: ctx.session.userId, ip: ctx.ip },
  };
}

export const registriesRouter = router({
  list: permission("fleet.read").query(({ ctx }) => listCredentials(registryContext(ctx))),

  /** Creates or replaces the organisation's login for `registry`. */
  set: permission("registries.manage")
    .input(
      z.object({
        registry: registrySchema,
        username: z.string().min(1).max(255),
        password: z.string().min(1).max(4096),
      }),
    )
    .mutation(({ ctx, input }) => setCredential(registryContext(ctx), input)),

  remove: permission("registries.manage", on("registryCredential", "id"))
    .input(z.object({ id: z.string().min(1).max(200) }))
    .mutation(async ({ ctx, input }) => {
      await removeCredential(registryContext(ctx), input.id);
      return { ok: true as const };
    }),
});
