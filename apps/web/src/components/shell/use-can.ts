"use client";

import type { Permission } from "@/lib/permissions";
// Pure helpers of the one role table (no server code comes with them), as lib/permissions re-exports it.
import { isPublicPermission, isSelfPermission } from "@/server/access/permissions";
import { useMe } from "./require-auth";
import { useScopedTeam } from "./team-scope";

/**
 * Whether the signed-in person holds `permission`, as the session procedure (auth.me) reports
 * it: in `teamId` when given, else in the team of the page's object (<TeamScope>), else in at
 * least one of their teams. What they may not do is not offered; the server checks every call
 * against the object's team anyway.
 */
export function useCan(permission: Permission, teamId?: string | null): boolean {
  const me = useMe();
  const scoped = useScopedTeam();
  if (isPublicPermission(permission) || isSelfPermission(permission)) return true;
  const team = teamId || scoped;
  if (team) return !!me.teams.find((t) => t.id === team)?.permissions.includes(permission as never);
  return (me.permissions as string[]).includes(permission);
}
