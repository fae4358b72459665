/** auth.*: sign in and out with the session cookie, and who am I. */
import { z } from "zod";
import { serializeSessionCookie } from "../../auth/cookies.js";
import { deleteSession } from "../../auth/sessions.js";
import { describeSession, signIn } from "../../auth/sign-in.js";
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
    return found ? { ...found, role: ctx.session.role } : null;
  }),
});
