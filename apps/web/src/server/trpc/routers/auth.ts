/** auth.*: sign in and out with the session cookie, who am I, change my password. */
import { z } from "zod";
import { heldAnywhere } from "../../access/principal.js";
import { serializeSessionCookie } from "../../auth/cookies.js";
import { deleteSession } from "../../auth/sessions.js";
import { changePassword, describeSession, signIn } from "../../auth/sign-in.js";
import { listTeams } from "../../org/teams.js";
import { permission, router } from "../init.js";

export const authRouter = router({
  signIn: permission("session.create")
    .input(z.object({ email: z.string().trim().min(3).max(320), password: z.string().min(1).max(1024) }))
    .mutation(async ({ ctx, input }) => {
      const { services, request } = ctx;
      const result = await signIn(
        { prisma: services.prisma, limits: services.signInLimits, sessionTtlMs: services.config.sessionTtlMs },
        { ...input, ip: ctx.ip, userAgent: request.userAgent },
      );
      // A fresh session id at every sign-in: whatever session the browser carried before ends.
      await deleteSession(services.prisma, request.cookieToken);
      const maxAgeSeconds = Math.floor((result.expiresAt.getTime() - Date.now()) / 1000);
      request.setCookie(serializeSessionCookie(result.token, { secure: request.secure, maxAgeSeconds }));
      ctx.log.info({ userId: result.user.id, orgId: result.org.id }, "signed in");
      return { user: result.user, org: result.org };
    }),

  signOut: permission("session.delete").mutation(async ({ ctx }) => {
    await deleteSession(ctx.services.prisma, ctx.request.cookieToken);
    ctx.request.setCookie(serializeSessionCookie("", { secure: ctx.request.secure, maxAgeSeconds: 0 }));
    return { ok: true as const };
  }),

  me: permission("session.read").query(async ({ ctx }) => {
    if (!ctx.session) return null;
    const found = await describeSession(ctx.services.prisma, ctx.session);
    if (!found) return null;
    const teams = await listTeams(ctx.services.prisma, ctx.session);
    return {
      ...found,
      role: ctx.session.owner ? ("owner" as const) : ctx.session.role,
      owner: ctx.session.owner,
      via: ctx.session.kind,
      permissions: [...heldAnywhere(ctx.session)].sort(),
      teams: teams.map((t) => ({ id: t.id, name: t.name, role: t.myRole, permissions: t.permissions })),
    };
  }),

  changePassword: permission("self.manage")
    .input(z.object({ currentPassword: z.string().min(1).max(1024), newPassword: z.string().min(12).max(1024) }))
    .mutation(({ ctx, input }) =>
      changePassword(ctx.services.prisma, {
        ...input,
        userId: ctx.session.userId,
        keepHandle: ctx.session.credentialId,
      }),
    ),
});
