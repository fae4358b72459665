/**
 * Who may do what: the ONE table mapping organisation roles to permissions. Every tRPC
 * procedure declares the permission it needs (see `permission()` in trpc/init.ts); a test
 * walks the router and fails if one does not. Agent commands are mapped here too: the
 * `commands.*` procedures check the permission of the command they carry.
 */
import type { CommandName } from "@flotilla/protocol";

/** The organisation roles (the `OrgRole` enum of the schema), most to least powerful. */
export const ROLES = ["owner", "admin", "operator", "viewer"] as const;
export type Role = (typeof ROLES)[number];

/** Permissions that need a signed-in member of an organisation. */
export const ROLE_PERMISSIONS = {
  viewer: ["fleet.read", "alerts.read"],
  operator: ["fleet.read", "workloads.operate", "deploy.manage", "plans.create", "alerts.read"],
  admin: [
    "fleet.read",
    "workloads.operate",
    "deploy.manage",
    "hosts.enroll",
    "hosts.manage",
    "members.manage",
    "audit.read",
    "migrations.run",
    "plans.create",
    // Approving (and cancelling) a consolidation plan runs migrations across the fleet.
    "plans.approve",
    // Registry logins (write-only passwords) used by every pull of the organisation.
    "registries.manage",
    // Alerting: rules and silences, and the webhook endpoints notifications go to.
    "alerts.read",
    "alerts.manage",
    "webhooks.manage",
  ],
  owner: [
    "fleet.read",
    "workloads.operate",
    "deploy.manage",
    "hosts.enroll",
    "hosts.manage",
    "members.manage",
    "audit.read",
    "migrations.run",
    "plans.create",
    "plans.approve",
    "registries.manage",
    "org.manage",
    "alerts.read",
    "alerts.manage",
    "webhooks.manage",
  ],
} as const satisfies Record<Role, readonly string[]>;

/** Permissions everyone holds, signed in or not: signing in and out, asking who you are. */
export const PUBLIC_PERMISSIONS = ["session.create", "session.read", "session.delete"] as const;

export type RolePermission = (typeof ROLE_PERMISSIONS)[Role][number];
export type PublicPermission = (typeof PUBLIC_PERMISSIONS)[number];
export type Permission = RolePermission | PublicPermission;

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

export function isKnownPermission(name: string): name is Permission {
  return isPublicPermission(name) || ROLES.some((role) => (ROLE_PERMISSIONS[role] as readonly string[]).includes(name));
}

export function roleHasPermission(role: Role, name: Permission): boolean {
  return isPublicPermission(name) || (ROLE_PERMISSIONS[role] as readonly string[]).includes(name);
}
