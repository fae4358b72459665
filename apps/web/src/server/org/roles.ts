/** The role table as the UI shows it, and an organisation's custom roles. */
import { ALL_ROLE_PERMISSIONS, isRolePermission, ROLE_PERMISSIONS, ROLES } from "../access/permissions.js";
import { AppError } from "../errors.js";
import type { PrismaClient } from "../services.js";

export async function listRoles(prisma: PrismaClient, orgId: string) {
  const custom = await prisma.customRole.findMany({
    where: { orgId },
    orderBy: { name: "asc" },
    select: { id: true, name: true, permissions: true },
  });
  return {
    builtIn: ROLES.map((role) => ({ role, permissions: [...ROLE_PERMISSIONS[role]] })),
    permissions: [...ALL_ROLE_PERMISSIONS],
    custom,
  };
}

function checkPermissions(permissions: string[]): string[] {
  const unknown = permissions.filter((p) => !isRolePermission(p));
  if (unknown.length) throw new AppError("invalid", `Unknown permission(s): ${unknown.join(", ")}.`);
  // Organisation-wide powers stay with the owner.
  const ownerOnly = permissions.filter((p) => p === "org.manage" || p === "audit.read");
  if (ownerOnly.length) throw new AppError("invalid", `Only the owner holds: ${ownerOnly.join(", ")}.`);
  return [...new Set(permissions)];
}

function uniqueName<T>(work: Promise<T>): Promise<T> {
  return work.catch((err: unknown) => {
    if (err && typeof err === "object" && "code" in err && err.code === "P2002") {
      throw new AppError("conflict", "A role with that name exists already.");
    }
    throw err;
  });
}

const view = { id: true, name: true, permissions: true } as const;

export function createCustomRole(prisma: PrismaClient, orgId: string, input: { name: string; permissions: string[] }) {
  return uniqueName(
    prisma.customRole.create({
      data: { orgId, name: input.name, permissions: checkPermissions(input.permissions) },
      select: view,
    }),
  );
}

export async function updateCustomRole(
  prisma: PrismaClient,
  orgId: string,
  input: { id: string; name?: string; permissions?: string[] },
) {
  const found = await prisma.customRole.findFirst({ where: { id: input.id, orgId } });
  if (!found) throw new AppError("not_found", "Not found, or not yours to see.");
  return uniqueName(
    prisma.customRole.update({
      where: { id: input.id },
      data: {
        ...(input.name ? { name: input.name } : {}),
        ...(input.permissions ? { permissions: checkPermissions(input.permissions) } : {}),
      },
      select: view,
    }),
  );
}

/** Deleting a custom role leaves its holders with their base team role (viewer unless set otherwise). */
export async function deleteCustomRole(prisma: PrismaClient, orgId: string, id: string) {
  const { count } = await prisma.customRole.deleteMany({ where: { id, orgId } });
  if (count === 0) throw new AppError("not_found", "Not found, or not yours to see.");
  return { ok: true as const };
}
