/**
 * The one place that decides what a caller may see and touch: the teams where they hold a
 * permission, Prisma `where` fragments limiting queries to them, and the check of a
 * procedure's target. A forbidden object and a missing one answer the same way.
 */
import { AppError } from "../errors.js";
import type { PrismaClient } from "../services.js";
import type { Permission, RolePermission } from "./permissions.js";
import { roleWithin } from "./permissions.js";
import { heldAnywhere, holdsIn, type Principal, permissionsIn } from "./principal.js";
import { everyTeamOf, fieldOf, type ResolvedTarget, resolveTarget, type TargetSpec } from "./targets.js";

/** The message for an object the caller may not see, and for one that does not exist. */
export const NOT_FOUND_MESSAGE = "Not found, or not yours to see.";

export function notFound(): AppError {
  return new AppError("not_found", NOT_FOUND_MESSAGE);
}

/** The teams where `principal` holds `permission`: "all" (every team of the org) or a list. */
export function teamsWith(principal: Principal, permission: Permission): "all" | string[] {
  if (principal.everywhere.has(permission as RolePermission)) return "all";
  return [...principal.perTeam].filter(([, set]) => set.has(permission as RolePermission)).map(([id]) => id);
}

/** A `where` for rows with an `orgId` and a `teamId` (hosts, deployments, stacks, teams' own rows). */
export function teamScopedWhere(principal: Principal, permission: Permission) {
  const teams = teamsWith(principal, permission);
  return teams === "all" ? { orgId: principal.orgId } : { orgId: principal.orgId, teamId: { in: teams } };
}

/** Keeps the items whose host the caller may see with `permission` (for lists built by domain code). */
export async function keepVisibleByHost<T>(
  prisma: PrismaClient,
  principal: Principal,
  permission: Permission,
  items: readonly T[],
  hostIdOf: (item: T) => string | null | undefined,
): Promise<T[]> {
  const teams = teamsWith(principal, permission);
  if (teams === "all") return [...items];
  const hostIds = [...new Set(items.map(hostIdOf).filter((id): id is string => !!id))];
  const visible = await prisma.host.findMany({
    where: { id: { in: hostIds }, ...teamScopedWhere(principal, permission) },
    select: { id: true },
  });
  const ok = new Set(visible.map((h) => h.id));
  return items.filter((item) => {
    const id = hostIdOf(item);
    return !!id && ok.has(id);
  });
}

/** Keeps the items whose team the caller may see with `permission`. */
export function keepVisibleByTeam<T>(
  principal: Principal,
  permission: Permission,
  items: readonly T[],
  teamIdOf: (item: T) => string | null | undefined,
): T[] {
  const teams = teamsWith(principal, permission);
  if (teams === "all") return [...items];
  return items.filter((item) => {
    const id = teamIdOf(item);
    return !!id && teams.includes(id);
  });
}

function holdsAcross(principal: Principal, target: ResolvedTarget, permission: Permission): boolean {
  if (target.teamIds.length === 0) return heldAnywhere(principal).has(permission as RolePermission);
  return target.teamIds.every((teamId) => holdsIn(principal, teamId, permission));
}

/**
 * Checks every target of a procedure. Returns the role to act with for domain code that still
 * checks roles (the most powerful role within what is held in all the targets' teams).
 * Throws NOT_FOUND when an object is missing, in another organisation, or not visible to the
 * caller; FORBIDDEN when it is visible but the permission is not held there.
 */
export async function checkTargets(
  prisma: PrismaClient,
  principal: Principal,
  permission: Permission,
  specs: readonly TargetSpec[],
  input: unknown,
): Promise<Principal["role"] | null> {
  const teamsTouched = new Set<string>();
  for (const spec of specs) {
    const value = fieldOf(input, spec.field);
    let target: ResolvedTarget | null;
    if (value === undefined || value === null) {
      if ((spec.whenAbsent ?? "skip") === "skip") continue;
      target = await everyTeamOf(prisma, principal.orgId);
      // A member who may do this in some teams but not all left the team out: say what to send.
      if (!holdsAcross(principal, target, permission) && heldAnywhere(principal).has(permission as RolePermission))
        throw new AppError(
          "invalid",
          `Name a team (${spec.field}): you may do this in some teams only, not across the whole organisation.`,
        );
    } else {
      target = await resolveTarget(prisma, principal.orgId, spec, value);
    }
    if (!target || target.orgId !== principal.orgId) throw notFound();
    if (!holdsAcross(principal, target, permission)) {
      const canSee = holdsAcross(principal, target, "fleet.read");
      if (!canSee) throw notFound();
      throw new AppError("forbidden", "Your role does not allow this here.");
    }
    for (const id of target.teamIds) teamsTouched.add(id);
  }
  if (teamsTouched.size === 0) return null;
  // The permissions held in every touched team.
  const sets = [...teamsTouched].map((id) => permissionsIn(principal, id));
  const common = new Set([...(sets[0] ?? [])].filter((p) => sets.every((s) => s.has(p))));
  return roleWithin(common);
}

/**
 * The visible rows, each with its host's `teamId` (so the UI can check the caller's
 * permissions in the object's team): one query whatever the number of rows.
 */
export async function withHostTeams<T>(
  prisma: PrismaClient,
  principal: Principal,
  permission: Permission,
  items: readonly T[],
  hostIdOf: (item: T) => string,
): Promise<Array<T & { teamId: string }>> {
  const hostIds = [...new Set(items.map(hostIdOf))];
  const hosts = await prisma.host.findMany({
    where: { id: { in: hostIds }, ...teamScopedWhere(principal, permission) },
    select: { id: true, teamId: true },
  });
  const teamOf = new Map(hosts.map((h) => [h.id, h.teamId]));
  return items.flatMap((item) => {
    const teamId = teamOf.get(hostIdOf(item));
    return teamId ? [{ ...item, teamId }] : [];
  });
}
