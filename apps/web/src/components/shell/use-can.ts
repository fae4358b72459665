"use client";

import type { Permission } from "@/lib/permissions";
// Pure helpers of the one role table (no server code comes with them), as lib/permissions re-exports it.
import { isPublicPermission, isSelfPermission } from "@/server/access/permissions";
import { useMe } from "./require-auth";

/**
 * Whether the signed-in person holds `permission` in at least one of their teams, as the
 * session procedure (auth.me) reports it: what they may not do is not offered. The server
 * checks every call against the object's team anyway.
 */
export function useCan(permission: Permission): boolean {
  const me = useMe();
  return (
    isPublicPermission(permission) || isSelfPermission(permission) || (me.permissions as string[]).includes(permission)
  );
}
