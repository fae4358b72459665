/**
 * The tRPC building blocks. Every procedure is made with `permission(name, targets?)`, which
 * records the permission (and the input fields naming the objects it acts on) in the
 * procedure's meta; one middleware enforces them (and fails closed when a procedure declares
 * none), checks CSRF on mutations, audits every mutation and every refusal, and maps AppError codes.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import { AccessDenied, authorize } from "../access/authorize.js";
import { isPublicPermission, type Permission, type PublicPermission } from "../access/permissions.js";
import { fieldOf, type TargetSpec } from "../access/targets.js";
import { recordAudit } from "../audit/record.js";
import { csrfProblem } from "../auth/csrf.js";
import { AppError, trpcCodeOf } from "../errors.js";
import type { Context } from "./context.js";

export interface ProcedureMeta {
  permission?: Permission;
  /** The objects the procedure acts on, checked against the caller's teams before it runs. */
  targets?: readonly TargetSpec[];
}

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    errorFormatter({ shape, error }) {
      const appCode = error.cause instanceof AppError ? error.cause.code : null;
      const hidden = error.code === "INTERNAL_SERVER_ERROR" && !appCode;
      // Input validation: a readable line per problem ("command.payload.image: is not a valid
      // image reference ...") instead of zod's JSON, so forms can show it as it is.
      const invalid = error.cause instanceof ZodError ? readableIssues(error.cause) : null;
      return {
        ...shape,
        message: hidden ? "Something went wrong on the server" : (invalid ?? shape.message),
        // `denied`: refused by the access check (not by the domain), for clients and the matrix test.
        data: { ...shape.data, appCode, denied: error.cause instanceof AccessDenied, stack: undefined },
      };
    },
  });

function readableIssues(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "input"}: ${i.message}`)
    .join("; ");
}

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Enforces the declared permission and targets, then maps an AppError thrown by domain code. */
const guard = t.middleware(async ({ ctx, meta, type, path, next, getRawInput }) => {
  const needed = meta?.permission;
  if (!needed) {
    ctx.log.error({ path }, "procedure declares no permission");
    throw new TRPCError({ code: "FORBIDDEN", message: "This operation is not available." });
  }
  const input = needed && meta.targets?.length ? await getRawInput().catch(() => undefined) : undefined;
  if (type === "mutation") {
    const problem = csrfProblem({
      contentType: ctx.request.contentType,
      origin: ctx.request.origin,
      host: ctx.request.host,
      trustedOrigins: ctx.services.config.publicUrl ? [ctx.services.config.publicUrl] : [],
    });
    if (problem) {
      const denied = new AccessDenied("FORBIDDEN", `Request refused: ${problem}.`);
      await auditCall(ctx, path, "denied", meta, input, "CSRF");
      throw new TRPCError({ code: "FORBIDDEN", message: denied.message, cause: denied });
    }
  }
  let session = ctx.session;
  try {
    session = await authorize(ctx.services.prisma, ctx.session, needed, meta.targets ?? [], input);
  } catch (err) {
    if (!(err instanceof AccessDenied)) throw err;
    await auditCall(ctx, path, "denied", meta, input, err.code);
    throw new TRPCError({ code: err.code, message: err.message, cause: err });
  }
  const result = await next({ ctx: { session } });
  if (type === "mutation") await auditCall({ ...ctx, session }, path, result.ok ? "ok" : "failed", meta, input);
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: trpcCodeOf(cause.code), message: cause.message, cause });
  }
  return result;
});

/** One audit entry per mutation (and per refused call): `<path>` with its outcome and first target. */
async function auditCall(
  ctx: Context,
  path: string,
  outcome: "ok" | "failed" | "denied",
  meta: ProcedureMeta | undefined,
  input: unknown,
  code?: string,
): Promise<void> {
  if (!ctx.session) {
    // No organisation to file it under (signing in is audited by the sign-in itself).
    if (outcome === "denied") ctx.log.warn({ path, ip: ctx.ip, code }, "anonymous request refused");
    return;
  }
  const spec = meta?.targets?.[0];
  const targetValue = spec ? fieldOf(input, spec.field) : undefined;
  try {
    await recordAudit(ctx.services.prisma, {
      orgId: ctx.session.orgId,
      principal: ctx.session,
      action: outcome === "denied" ? `denied:${path}` : `call:${path}`,
      target: spec && typeof targetValue === "string" ? `${spec.kind}:${targetValue}` : null,
      ip: ctx.ip,
      data: { outcome, ...(code ? { code } : {}) },
    });
  } catch (err) {
    ctx.log.error({ err, path }, "audit entry not written");
  }
}

export const publicProcedure = t.procedure.use(guard);

export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.session) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first." });
  return next({ ctx: { session: ctx.session } });
});

/**
 * A procedure builder that needs `name`: public permissions give a publicProcedure, others an
 * authed one. `targets` names the input fields holding the ids of what it acts on (a host, a
 * workload ...): the caller must hold `name` in those objects' teams, or gets NOT_FOUND.
 */
export function permission(name: PublicPermission): typeof publicProcedure;
export function permission(
  name: Exclude<Permission, PublicPermission>,
  ...targets: readonly TargetSpec[]
): typeof authedProcedure;
export function permission(name: Permission, ...targets: readonly TargetSpec[]) {
  return isPublicPermission(name)
    ? publicProcedure.meta({ permission: name })
    : authedProcedure.meta({ permission: name, targets });
}

/** Shorthand for a target spec: `on("host", "hostId")`. */
export function on(kind: TargetSpec["kind"], field: string, whenAbsent?: TargetSpec["whenAbsent"]): TargetSpec {
  return { kind, field, whenAbsent };
}
