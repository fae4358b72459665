/**
 * Who is calling, resolved once per request: a signed-in user (session) or an API token, with
 * the permissions they hold in each team of their organisation. Roles are read from the
 * database on every request, so a removed member or a changed role takes effect at once.
 */

import type { PrismaClient } from "../services.js";
import {
  isRolePermission,
  type Permission,
  ROLE_PERMISSIONS,
  type Role,
  type RolePermission,
  roleWithin,
} from "./permissions.js";

export interface Principal {
  kind: "session" | "token";
  userId: string;
  orgId: string;
  /** The session's handle or the token's id (what audit entries and revocations name). */
  credentialId: string;
  /** Organisation owner: every permission in every team. */
  owner: boolean;
  /** Permissions held in every team of the organisation (owner, or an organisation-wide role). */
  everywhere: ReadonlySet<RolePermission>;
  /** Permissions held per team, beyond `everywhere`. */
  perTeam: ReadonlyMap<string, ReadonlySet<RolePermission>>;
  /**
   * For compatibility with domain code that checks a role: the most powerful built-in role
   * within what the caller holds (for the target's team once the guard has resolved it).
   */
  role: Role;
}

/** What a principal is made from, before a token narrows it. */
interface Grants {
  owner: boolean;
  everywhere: Set<RolePermission>;
  perTeam: Map<string, Set<RolePermission>>;
}

function permsOf(role: Role | null | undefined): RolePermission[] {
  return role ? [...ROLE_PERMISSIONS[role]] : [];
}

/** The user's grants in `orgId`, or null when they are not (or no longer) a member. */
export async function loadGrants(prisma: PrismaClient, orgId: string, userId: string): Promise<Grants | null> {
  const [member, teamRows] = await Promise.all([
    prisma.orgMember.findUnique({ where: { orgId_userId: { orgId, userId } }, select: { role: true } }),
    prisma.teamMember.findMany({
      where: { userId, team: { orgId } },
      select: { teamId: true, role: true, customRole: { select: { permissions: true } } },
    }),
  ]);
  if (!member) return null;
  const perTeam = new Map<string, Set<RolePermission>>();
  for (const row of teamRows) {
    const granted = row.customRole ? row.customRole.permissions.filter(isRolePermission) : permsOf(row.role);
    perTeam.set(row.teamId, new Set(granted));
  }
  return { owner: member.role === "owner", everywhere: new Set(permsOf(member.role)), perTeam };
}

/** Narrows grants to a token's scope (and to its team, for a team token). */
export function narrowGrants(
  grants: Grants,
  scope: readonly string[],
  teamId: string | null,
): Omit<Grants, "owner"> & { owner: false } {
  const allowed = new Set(scope.filter(isRolePermission));
  const keep = (set: ReadonlySet<RolePermission>) => new Set([...set].filter((p) => allowed.has(p)));
  const perTeam = new Map<string, Set<RolePermission>>();
  if (teamId) {
    const inTeam = new Set([...grants.everywhere, ...(grants.perTeam.get(teamId) ?? [])]);
    perTeam.set(teamId, keep(inTeam));
    return { owner: false, everywhere: new Set(), perTeam };
  }
  for (const [id, set] of grants.perTeam) perTeam.set(id, keep(set));
  return { owner: false, everywhere: keep(grants.everywhere), perTeam };
}

export function makePrincipal(
  base: { kind: Principal["kind"]; userId: string; orgId: string; credentialId: string },
  grants: Grants,
): Principal {
  const principal: Principal = { ...base, ...grants, role: "viewer" };
  principal.role = roleWithin(heldAnywhere(principal));
  return principal;
}

/** Permissions held in `teamId`. */
export function permissionsIn(principal: Principal, teamId: string): Set<RolePermission> {
  return new Set([...principal.everywhere, ...(principal.perTeam.get(teamId) ?? [])]);
}

/** Permissions held in at least one team. */
export function heldAnywhere(principal: Principal): Set<RolePermission> {
  const all = new Set(principal.everywhere);
  for (const set of principal.perTeam.values()) for (const p of set) all.add(p);
  return all;
}

export function holdsIn(principal: Principal, teamId: string, permission: Permission): boolean {
  return (
    principal.everywhere.has(permission as RolePermission) ||
    !!principal.perTeam.get(teamId)?.has(permission as RolePermission)
  );
}

export function holdsAnywhere(principal: Principal, permission: Permission): boolean {
  return heldAnywhere(principal).has(permission as RolePermission);
}
