/**
 * Who may do what: the ONE table mapping organisation roles to permissions. Every tRPC
 * procedure declares the permission it needs (see `permission()` in trpc/init.ts); a test
 * walks the router and fails if one does not.
 */

/** The organisation roles (the `OrgRole` enum of the schema), most to least powerful. */
export const ROLES = ["owner", "admin", "operator", "viewer"] as const;
export type Role = (typeof ROLES)[number];

/** Permissions that need a signed-in member of an organisation. */
export const ROLE_PERMISSIONS = {
  viewer: ["fleet.read"],
  operator: ["fleet.read", "workloads.operate"],
  admin: ["fleet.read", "workloads.operate", "hosts.enroll", "hosts.manage", "members.manage", "audit.read"],
  owner: [
    "fleet.read",
    "workloads.operate",
    "hosts.enroll",
    "hosts.manage",
    "members.manage",
    "audit.read",
    "org.manage",
  ],
} as const satisfies Record<Role, readonly string[]>;

/** Permissions everyone holds, signed in or not: signing in and out, asking who you are. */
export const PUBLIC_PERMISSIONS = ["session.create", "session.read", "session.delete"] as const;

export type RolePermission = (typeof ROLE_PERMISSIONS)[Role][number];
export type PublicPermission = (typeof PUBLIC_PERMISSIONS)[number];
export type Permission = RolePermission | PublicPermission;

export function isPublicPermission(name: string): name is PublicPermission {
  return (PUBLIC_PERMISSIONS as readonly string[]).includes(name);
}

export function isKnownPermission(name: string): name is Permission {
  return isPublicPermission(name) || ROLES.some((role) => (ROLE_PERMISSIONS[role] as readonly string[]).includes(name));
}

export function roleHasPermission(role: Role, name: Permission): boolean {
  return isPublicPermission(name) || (ROLE_PERMISSIONS[role] as readonly string[]).includes(name);
}
