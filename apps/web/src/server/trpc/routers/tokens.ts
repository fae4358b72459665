/** tokens.*: API tokens for automation, shown once at creation. */
import { z } from "zod";
import { teamsWith } from "../../access/scope.js";
import { createApiToken, listApiTokens, revokeApiToken } from "../../tokens/api-tokens.js";
import { on, permission, router } from "../init.js";

const idSchema = z.string().min(1).max(200);
const tokenInput = z.object({
  name: z.string().trim().min(1).max(100),
  permissions: z.array(z.string().min(1).max(100)).min(1).max(100),
  ttlDays: z.number().int().min(1).max(366),
});

export const tokensRouter = router({
  create: permission("self.manage")
    .input(tokenInput)
    .mutation(({ ctx, input }) => createApiToken(ctx.services.prisma, ctx.session, input)),

  createForTeam: permission("members.manage", on("team", "teamId"))
    .input(tokenInput.extend({ teamId: idSchema }))
    .mutation(({ ctx, input }) => createApiToken(ctx.services.prisma, ctx.session, input)),

  list: permission("self.manage").query(({ ctx }) =>
    listApiTokens(ctx.services.prisma, ctx.session, teamsWith(ctx.session, "members.manage")),
  ),

  revoke: permission("self.manage")
    .input(z.object({ id: idSchema }))
    .mutation(({ ctx, input }) =>
      revokeApiToken(ctx.services.prisma, ctx.session, input.id, teamsWith(ctx.session, "members.manage")),
    ),
});
