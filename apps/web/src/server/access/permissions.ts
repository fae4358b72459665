/**
 * Who may do what: the ONE table mapping organisation roles to permissions. Every tRPC
 * procedure declares the permission it needs (see `permission()` in trpc/init.ts); a test
 * walks the router and fails if one does not. Agent commands are mapped here too: the
 * `commands.*` procedures check the permission of the command they carry.
 */
import type { CommandName } from "@flotilla/protocol";

/**
 * The built-in roles, most to least powerful. "owner" is an organisation role (OrgMember) and
 * holds everything everywhere; admin/operator/viewer are held per team (TeamMember), or in
 * every team when given as the organisation role.
 */
export const ROLES = ["owner", "admin", "operator", "viewer"] as const;
export type Role = (typeof ROLES)[number];
export const TEAM_ROLES = ["admin", "operator", "viewer"] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

const VIEWER = ["fleet.read", "alerts.read"] as const;
// Workload lifecycle, deploying, logs (container.logs is a workloads.operate command), and
// proposing (not approving) consolidation plans.
const OPERATOR = [...VIEWER, "workloads.operate", "deploy.manage", "plans.create"] as const;
const ADMIN = [
  ...OPERATOR,
  "hosts.enroll",
  "hosts.manage",
  "migrations.run",
  // Approving (and cancelling) a consolidation plan runs migrations across the fleet.
  "plans.approve",
  "alerts.manage",
  "webhooks.manage",
  // Inviting people to the team, changing their role, removing them; team API tokens.
  "members.manage",
  // Registry logins (write-only passwords) used by every pull of the organisation.
  "registries.manage",
] as const;
// Organisation-wide matters: teams, custom roles, the audit log.
const OWNER = [...ADMIN, "audit.read", "org.manage"] as const;

/** Permissions that need a signed-in member: THE table. Everything else derives from it. */
export const ROLE_PERMISSIONS = {
  viewer: VIEWER,
  operator: OPERATOR,
  admin: ADMIN,
  owner: OWNER,
} as const satisfies Record<Role, readonly string[]>;

/** Every permission a role (or a custom role, or a token) can be given. */
export const ALL_ROLE_PERMISSIONS: readonly RolePermission[] = ROLE_PERMISSIONS.owner;

/** Permissions everyone holds, signed in or not: signing in and out, asking who you are. */
export const PUBLIC_PERMISSIONS = ["session.create", "session.read", "session.delete", "invitation.accept"] as const;

/**
 * Permissions any signed-in person holds over their own things (their sessions, their own
 * API tokens, their password), whatever their role; never granted to an API token.
 */
export const SELF_PERMISSIONS = ["self.manage"] as const;

export type RolePermission = (typeof ROLE_PERMISSIONS)[Role][number];
export type PublicPermission = (typeof PUBLIC_PERMISSIONS)[number];
export type SelfPermission = (typeof SELF_PERMISSIONS)[number];
export type Permission = RolePermission | PublicPermission | SelfPermission;

/**
 * The permission needed to request or cancel each agent command: acting on workloads, and
 * the images they are deployed from (an operator builds, pulls and runs), is
 * `workloads.operate`; changing the agent's own settings is `hosts.manage`.
 * A new command does not compile until it is listed here.
 */
export const COMMAND_PERMISSIONS = {
  "container.create": "workloads.operate",
  "container.start": "workloads.operate",
  "container.stop": "workloads.operate",
  "container.restart": "workloads.operate",
  "container.remove": "workloads.operate",
  "container.logs": "workloads.operate",
  "container.inspect": "workloads.operate",
  "workload.start": "workloads.operate",
  "workload.stop": "workloads.operate",
  "image.list": "workloads.operate",
  "image.pull": "workloads.operate",
  "image.build": "workloads.operate",
  "inventory.refresh": "hosts.manage",
  "metrics.set_interval": "hosts.manage",
  "vm.create": "workloads.operate",
  "vm.start": "workloads.operate",
  "vm.shutdown": "workloads.operate",
  "vm.poweroff": "workloads.operate",
  "vm.pause": "workloads.operate",
  "vm.resume": "workloads.operate",
  "vm.reboot": "workloads.operate",
  "vm.set_memory": "workloads.operate",
  "vm.snapshot.create": "workloads.operate",
  "vm.snapshot.list": "workloads.operate",
  "vm.snapshot.revert": "workloads.operate",
  "vm.snapshot.delete": "workloads.operate",
  "vm.clone": "workloads.operate",
  "vm.delete": "workloads.operate",
  // The migration steps move a VM between two hosts' resources: an admin's call, and normally
  // issued by the migration orchestrator (migrations.start), not one by one.
  "vm.migration.source": "migrations.run",
  "vm.migration.prepare_incoming": "migrations.run",
  "vm.migration.migrate_out": "migrations.run",
  "vm.migration.await_incoming": "migrations.run",
  "vm.migration.abort_incoming": "migrations.run",
  "vm.migration.finish_source": "migrations.run",
} as const satisfies Record<CommandName, RolePermission>;

export function permissionForCommand(name: CommandName): RolePermission {
  return COMMAND_PERMISSIONS[name];
}

export function isPublicPermission(name: string): name is PublicPermission {
  return (PUBLIC_PERMISSIONS as readonly string[]).includes(name);
}

export function isSelfPermission(name: string): name is SelfPermission {
  return (SELF_PERMISSIONS as readonly string[]).includes(name);
}

export function isRolePermission(name: string): name is RolePermission {
  return (ALL_ROLE_PERMISSIONS as readonly string[]).includes(name);
}

export function isKnownPermission(name: string): name is Permission {
  return isPublicPermission(name) || isSelfPermission(name) || isRolePermission(name);
}

/** The most powerful built-in role whose permissions all lie within `held` (viewer at least). */
export function roleWithin(held: ReadonlySet<string>): Role {
  for (const role of ROLES) {
    if ((ROLE_PERMISSIONS[role] as readonly string[]).every((p) => held.has(p))) return role;
  }
  return "viewer";
}

export function roleHasPermission(role: Role, name: Permission): boolean {
  return (
    isPublicPermission(name) || isSelfPermission(name) || (ROLE_PERMISSIONS[role] as readonly string[]).includes(name)
  );
}
