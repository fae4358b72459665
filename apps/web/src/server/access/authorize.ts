/**
 * The access decision for one call, apart from the tRPC plumbing so it can be tested as a
 * matrix: given who calls, the permission a procedure declares, its targets and the raw input,
 * either the principal to act as (its role narrowed to the targets' teams) or an AccessDenied.
 */

import { AppError } from "../errors.js";
import type { PrismaClient } from "../services.js";
import { isPublicPermission, isSelfPermission, type Permission } from "./permissions.js";
import { holdsAnywhere, type Principal } from "./principal.js";
import { checkTargets } from "./scope.js";
import type { TargetSpec } from "./targets.js";

export class AccessDenied extends Error {
  override readonly name = "AccessDenied";
  constructor(
    readonly code: "UNAUTHORIZED" | "FORBIDDEN" | "NOT_FOUND" | "BAD_REQUEST",
    message: string,
  ) {
    super(message);
  }
}

export async function authorize(
  prisma: PrismaClient,
  principal: Principal | null,
  permission: Permission,
  targets: readonly TargetSpec[],
  input: unknown,
): Promise<Principal | null> {
  if (isPublicPermission(permission)) return principal;
  if (!principal) throw new AccessDenied("UNAUTHORIZED", "Sign in first.");
  if (isSelfPermission(permission)) {
    if (principal.kind === "token") throw new AccessDenied("FORBIDDEN", "API tokens cannot manage accounts.");
    return principal;
  }
  if (!holdsAnywhere(principal, permission)) throw new AccessDenied("FORBIDDEN", "Your role does not allow this.");
  if (targets.length === 0) return principal;
  try {
    const role = await checkTargets(prisma, principal, permission, targets, input);
    return role ? { ...principal, role } : principal;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    const code = err.code === "not_found" ? "NOT_FOUND" : err.code === "invalid" ? "BAD_REQUEST" : "FORBIDDEN";
    throw new AccessDenied(code, err.message);
  }
}
