/** members.*: who is in the teams I manage, their roles, removing them. */
import { z } from "zod";
import { TEAM_ROLES } from "../../access/permissions.js";
import { listMembers, removeFromOrg, removeFromTeam, setTeamRole } from "../../org/members.js";
import { on, permission, router } from "../init.js";

const idSchema = z.string().min(1).max(200);

export const membersRouter = router({
  list: permission("members.manage", on("team", "teamId"))
    .input(z.object({ teamId: idSchema.optional() }).default({}))
    .query(({ ctx, input }) => listMembers(ctx.services.prisma, ctx.session, input.teamId)),

  setRole: permission("members.manage", on("team", "teamId"))
    .input(
      z.object({
        teamId: idSchema,
        userId: idSchema,
        role: z.enum(TEAM_ROLES).optional(),
        customRoleId: idSchema.optional(),
      }),
    )
    .mutation(({ ctx, input }) => setTeamRole(ctx.services.prisma, ctx.session, input)),

  remove: permission("members.manage", on("team", "teamId"))
    .input(z.object({ teamId: idSchema, userId: idSchema }))
    .mutation(({ ctx, input }) => removeFromTeam(ctx.services.prisma, input)),

  removeFromOrg: permission("org.manage")
    .input(z.object({ userId: idSchema }))
    .mutation(({ ctx, input }) => removeFromOrg(ctx.services.prisma, ctx.session, input.userId)),
});
