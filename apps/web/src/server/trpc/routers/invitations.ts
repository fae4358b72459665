/** invitations.*: invite someone to a team by link; preview and accept the link. */
import { z } from "zod";
import { TEAM_ROLES } from "../../access/permissions.js";
import { recordAudit } from "../../audit/record.js";
import { serializeSessionCookie } from "../../auth/cookies.js";
import { createSession } from "../../auth/sessions.js";
import {
  acceptInvitation,
  createInvitation,
  listInvitations,
  previewInvitation,
  revokeInvitation,
} from "../../org/invitations.js";
import { on, permission, router } from "../init.js";

const idSchema = z.string().min(1).max(200);
const tokenSchema = z.string().min(10).max(200);

export const invitationsRouter = router({
  create: permission("members.manage", on("team", "teamId"))
    .input(
      z.object({
        teamId: idSchema,
        email: z.email().max(320),
        role: z.enum(TEAM_ROLES),
        ttlHours: z
          .number()
          .int()
          .min(1)
          .max(24 * 30)
          .default(72),
      }),
    )
    .mutation(({ ctx, input }) => createInvitation(ctx.services.prisma, ctx.session, input)),

  list: permission("members.manage", on("team", "teamId"))
    .input(z.object({ teamId: idSchema.optional() }).default({}))
    .query(({ ctx, input }) => listInvitations(ctx.services.prisma, ctx.session, input.teamId)),

  revoke: permission("members.manage", on("invitation", "id"))
    .input(z.object({ id: idSchema }))
    .mutation(({ ctx, input }) => revokeInvitation(ctx.services.prisma, input.id)),

  preview: permission("invitation.accept")
    .input(z.object({ token: tokenSchema }))
    .query(({ ctx, input }) => previewInvitation(ctx.services.prisma, input.token)),

  /** Joins the team; signs the person in (a new session) unless they were signed in as the invitee. */
  accept: permission("invitation.accept")
    .input(
      z.object({
        token: tokenSchema,
        name: z.string().trim().max(200).optional(),
        password: z.string().max(1024).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { prisma, config } = ctx.services;
      const joined = await acceptInvitation(prisma, ctx.session, input);
      let handle = ctx.session?.credentialId ?? null;
      if (joined.signInNeeded) {
        const session = await createSession(prisma, {
          userId: joined.userId,
          orgId: joined.orgId,
          ttlMs: config.sessionTtlMs,
          ip: ctx.ip,
          userAgent: ctx.request.userAgent,
        });
        handle = session.handle;
        const maxAgeSeconds = Math.floor((session.expiresAt.getTime() - Date.now()) / 1000);
        ctx.request.setCookie(serializeSessionCookie(session.token, { secure: ctx.request.secure, maxAgeSeconds }));
      }
      await recordAudit(prisma, {
        orgId: joined.orgId,
        principal: { kind: "session", userId: joined.userId, credentialId: handle ?? "" },
        action: "invitation.accepted",
        target: `user:${joined.userId}`,
        ip: ctx.ip,
      });
      return { orgId: joined.orgId, userId: joined.userId };
    }),
});
