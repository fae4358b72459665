/** teams.*: the organisation's teams; moving a host between them. */
import { z } from "zod";
import { createTeam, deleteTeam, listTeams, moveHost, renameTeam } from "../../org/teams.js";
import { on, permission, router } from "../init.js";

const idSchema = z.string().min(1).max(200);
const nameSchema = z.string().trim().min(1).max(100);

export const teamsRouter = router({
  list: permission("fleet.read").query(({ ctx }) => listTeams(ctx.services.prisma, ctx.session)),

  create: permission("org.manage")
    .input(z.object({ name: nameSchema }))
    .mutation(({ ctx, input }) => createTeam(ctx.services.prisma, ctx.session.orgId, input.name)),

  rename: permission("org.manage", on("team", "id"))
    .input(z.object({ id: idSchema, name: nameSchema }))
    .mutation(({ ctx, input }) => renameTeam(ctx.services.prisma, input.id, input.name)),

  delete: permission("org.manage", on("team", "id"))
    .input(z.object({ id: idSchema }))
    .mutation(({ ctx, input }) => deleteTeam(ctx.services.prisma, input.id)),

  /** Needs hosts.manage both where the host is and in the team it goes to. */
  moveHost: permission("hosts.manage", on("host", "hostId"), on("team", "teamId"))
    .input(z.object({ hostId: idSchema, teamId: idSchema }))
    .mutation(({ ctx, input }) => moveHost(ctx.services.prisma, input.hostId, input.teamId)),
});
