/** sessions.*: my signed-in browsers: list, end one, sign out everywhere. */
import { z } from "zod";
import { serializeSessionCookie } from "../../auth/cookies.js";
import { listSessions, revokeAllSessions, revokeSession } from "../../auth/sessions.js";
import { AppError } from "../../errors.js";
import { permission, router } from "../init.js";

export const sessionsRouter = router({
  list: permission("self.manage").query(({ ctx }) =>
    listSessions(ctx.services.prisma, ctx.session.userId, ctx.session.credentialId),
  ),

  revoke: permission("self.manage")
    .input(z.object({ handle: z.string().min(1).max(100) }))
    .mutation(async ({ ctx, input }) => {
      if (!(await revokeSession(ctx.services.prisma, ctx.session.userId, input.handle))) {
        throw new AppError("not_found", "Not found, or not yours to see.");
      }
      if (input.handle === ctx.session.credentialId) {
        ctx.request.setCookie(serializeSessionCookie("", { secure: ctx.request.secure, maxAgeSeconds: 0 }));
      }
      return { ok: true as const };
    }),

  /** Sign out everywhere: every session of mine ends (this one too, unless keepCurrent). */
  revokeAll: permission("self.manage")
    .input(z.object({ keepCurrent: z.boolean().default(false) }).default({ keepCurrent: false }))
    .mutation(async ({ ctx, input }) => {
      const ended = await revokeAllSessions(
        ctx.services.prisma,
        ctx.session.userId,
        input.keepCurrent ? ctx.session.credentialId : undefined,
      );
      if (!input.keepCurrent) {
        ctx.request.setCookie(serializeSessionCookie("", { secure: ctx.request.secure, maxAgeSeconds: 0 }));
      }
      return { ended };
    }),
});
