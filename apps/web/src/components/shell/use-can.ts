"use client";

import { type Permission, roleHasPermission } from "@/lib/permissions";
import { useMe } from "./require-auth";

/** Whether the signed-in role holds `permission`: what it may not do is not offered. */
export function useCan(permission: Permission): boolean {
  return roleHasPermission(useMe().role, permission);
}
