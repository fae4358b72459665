/** enrollment.*: one-time tokens for enrolling hosts. */
import { z } from "zod";
import { createEnrollmentTokenForUser } from "../../enrollment/create-token.js";
import { on, permission, router } from "../init.js";

export const enrollmentRouter = router({
  createToken: permission("hosts.enroll", on("team", "teamId", "everyTeam"))
    .input(
      z
        .object({
          ttlMinutes: z
            .number()
            .int()
            .min(1)
            .max(7 * 24 * 60)
            .optional(),
          teamId: z.string().min(1).max(200).optional(),
        })
        .optional(),
    )
    .mutation(({ ctx, input }) =>
      createEnrollmentTokenForUser(ctx.services, {
        orgId: ctx.session.orgId,
        userId: ctx.session.userId,
        ip: ctx.ip,
        ttlMinutes: input?.ttlMinutes,
        teamId: input?.teamId,
        requestHost: ctx.request.host,
        requestSecure: ctx.request.secure,
      }),
    ),
});
