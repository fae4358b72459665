/**
 * The tRPC building blocks. Every procedure is made with `permission(name)`, which records
 * the permission in the procedure's meta; one middleware enforces it (and fails closed when
 * a procedure declares none), checks CSRF on mutations and maps AppError codes.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import {
  isPublicPermission,
  type Permission,
  type PublicPermission,
  roleHasPermission,
} from "../access/permissions.js";
import { csrfProblem } from "../auth/csrf.js";
import { AppError, trpcCodeOf } from "../errors.js";
import type { Context } from "./context.js";

export interface ProcedureMeta {
  permission?: Permission;
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
        data: { ...shape.data, appCode, stack: undefined },
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

/** Turns an AppError thrown by domain code into the matching tRPC error, keeping the message. */
const guard = t.middleware(async ({ ctx, meta, type, path, next }) => {
  const needed = meta?.permission;
  if (!needed) {
    ctx.log.error({ path }, "procedure declares no permission");
    throw new TRPCError({ code: "FORBIDDEN", message: "This operation is not available." });
  }
  if (type === "mutation") {
    const problem = csrfProblem({
      contentType: ctx.request.contentType,
      origin: ctx.request.origin,
      host: ctx.request.host,
      trustedOrigins: ctx.services.config.publicUrl ? [ctx.services.config.publicUrl] : [],
    });
    if (problem) throw new TRPCError({ code: "FORBIDDEN", message: `Request refused: ${problem}.` });
  }
  if (!isPublicPermission(needed)) {
    if (!ctx.session) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first." });
    if (!roleHasPermission(ctx.session.role, needed)) {
      throw new TRPCError({ code: "FORBIDDEN", message: "Your role does not allow this." });
    }
  }
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: trpcCodeOf(cause.code), message: cause.message, cause });
  }
  return result;
});

export const publicProcedure = t.procedure.use(guard);

export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.session) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first." });
  return next({ ctx: { session: ctx.session } });
});

/** A procedure builder that needs `name`: public permissions give a publicProcedure, others an authed one. */
export function permission(name: PublicPermission): typeof publicProcedure;
export function permission(name: Exclude<Permission, PublicPermission>): typeof authedProcedure;
export function permission(name: Permission) {
  return isPublicPermission(name)
    ? publicProcedure.meta({ permission: name })
    : authedProcedure.meta({ permission: name });
}
