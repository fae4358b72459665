/** audit.*: the organisation's audit log, filtered, newest first, by cursor. */
import { z } from "zod";
import { listAudit } from "../../audit/list.js";
import { permission, router } from "../init.js";

export const auditFilterSchema = z.object({
  actor: z.string().min(1).max(200).optional(),
  action: z.string().min(1).max(200).optional(),
  target: z.string().min(1).max(300).optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});

export const auditRouter = router({
  list: permission("audit.read")
    .input(
      auditFilterSchema
        .extend({ cursor: z.string().max(30).optional(), limit: z.number().int().min(1).max(500).default(50) })
        .default({ limit: 50 }),
    )
    .query(({ ctx, input }) => listAudit(ctx.services.prisma, ctx.session.orgId, input)),
});
