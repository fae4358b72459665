/** GET /api/audit.csv: the audit log as CSV, with the filters of audit.list (audit.read). */
import type { IncomingMessage, ServerResponse } from "node:http";
import { holdsAnywhere } from "../access/principal.js";
import { auditCsv } from "../audit/list.js";
import { recordAudit } from "../audit/record.js";
import { AppError, toAppError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Services } from "../services.js";
import { resolveCaller } from "../trpc/context.js";
import { auditFilterSchema } from "../trpc/routers/audit.js";
import { clientIp, sendAppError } from "./json.js";

export const AUDIT_CSV_PATH = "/api/audit.csv";

export async function handleAuditCsv(
  req: IncomingMessage,
  res: ServerResponse,
  deps: Pick<Services, "prisma" | "config"> & { log: Logger },
): Promise<void> {
  const ip = clientIp(req);
  try {
    if (req.method !== "GET") throw new AppError("invalid", "use GET");
    const caller = await resolveCaller(deps, req);
    if (!caller) throw new AppError("unauthorized", "Sign in first.");
    if (!holdsAnywhere(caller, "audit.read")) {
      await recordAudit(deps.prisma, { orgId: caller.orgId, principal: caller, action: "denied:audit.csv", ip });
      throw new AppError("forbidden", "Your role does not allow this.");
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    const parsed = auditFilterSchema.safeParse(Object.fromEntries(url.searchParams));
    if (!parsed.success) {
      throw new AppError("invalid", parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
    }
    await recordAudit(deps.prisma, {
      orgId: caller.orgId,
      principal: caller,
      action: "audit.exported",
      ip,
      data: parsed.data,
    });
    res.writeHead(200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="flotilla-audit-${new Date().toISOString().slice(0, 10)}.csv"`,
      "cache-control": "no-store",
    });
    for await (const chunk of auditCsv(deps.prisma, caller.orgId, parsed.data)) res.write(chunk);
    res.end();
  } catch (err) {
    const appError = toAppError(err);
    if (appError.code === "internal") deps.log.error({ err }, "audit export failed");
    if (!res.headersSent) sendAppError(res, appError);
    else res.destroy();
  }
}
