/** roles.*: the role -> permission table, and the organisation's custom roles. */
import { z } from "zod";
import { createCustomRole, deleteCustomRole, listRoles, updateCustomRole } from "../../org/roles.js";
import { permission, router } from "../init.js";

const idSchema = z.string().min(1).max(200);
const nameSchema = z.string().trim().min(1).max(100);
const permissionsSchema = z.array(z.string().min(1).max(100)).max(100);

export const rolesRouter = router({
  list: permission("fleet.read").query(({ ctx }) => listRoles(ctx.services.prisma, ctx.session.orgId)),

  createCustom: permission("org.manage")
    .input(z.object({ name: nameSchema, permissions: permissionsSchema }))
    .mutation(({ ctx, input }) => createCustomRole(ctx.services.prisma, ctx.session.orgId, input)),

  updateCustom: permission("org.manage")
    .input(z.object({ id: idSchema, name: nameSchema.optional(), permissions: permissionsSchema.optional() }))
    .mutation(({ ctx, input }) => updateCustomRole(ctx.services.prisma, ctx.session.orgId, input)),

  deleteCustom: permission("org.manage")
    .input(z.object({ id: idSchema }))
    .mutation(({ ctx, input }) => deleteCustomRole(ctx.services.prisma, ctx.session.orgId, input.id)),
});
