/** POST /api/agent/enroll: validates the request, enrols the agent, answers enrollResponseSchema. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type EnrollResponse, enrollRequestSchema } from "@flotilla/protocol";
import { enrollAgent } from "../enrollment/enroll-agent.js";
import { AppError, toAppError } from "../errors.js";
import { clientIp, readJsonBody, sendAppError, sendJson } from "../http/json.js";
import type { Services } from "../services.js";

const MAX_ENROLL_BODY_BYTES = 64 * 1024;

export async function handleEnrollRequest(
  req: IncomingMessage,
  res: ServerResponse,
  deps: Pick<Services, "prisma" | "log"> & { onReplaced(agentId: string): void },
): Promise<void> {
  const log = deps.log.child({ route: "enroll", ip: clientIp(req) });
  try {
    if (req.method !== "POST") throw new AppError("invalid", "use POST");
    const body = await readJsonBody(req, MAX_ENROLL_BODY_BYTES);
    const parsed = enrollRequestSchema.safeParse(body);
    if (!parsed.success) {
      const detail = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
        .join("; ");
      throw new AppError("invalid", `Invalid enrolment request: ${detail}`);
    }
    const result = await enrollAgent(deps.prisma, parsed.data);
    if (result.replacedAgentId) deps.onReplaced(result.replacedAgentId);
    log.info(
      {
        agentId: result.agentId,
        hostId: result.hostId,
        orgId: result.orgId,
        reenrolled: Boolean(result.replacedAgentId),
      },
      "agent enrolled",
    );
    const response: EnrollResponse = { agentId: result.agentId, hostId: result.hostId, secret: result.secret };
    sendJson(res, 200, response);
  } catch (err) {
    const appError = toAppError(err);
    if (appError.code === "internal") log.error({ err }, "enrolment failed");
    else log.warn({ code: appError.code, reason: appError.message }, "enrolment refused");
    if (!res.headersSent) sendAppError(res, appError);
    else res.destroy();
  }
}
