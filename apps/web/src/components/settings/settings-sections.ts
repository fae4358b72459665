/**
 * The settings area's sections, in the order of the side menu, and the permission each needs
 * (held in at least one team). "self.manage" is every signed-in person's.
 */
export interface SettingsSection {
  href: string;
  label: string;
  permission: string;
}

export const SETTINGS_SECTIONS: readonly SettingsSection[] = [
  { href: "/settings/members", label: "Members", permission: "members.manage" },
  { href: "/settings/invitations", label: "Invitations", permission: "members.manage" },
  { href: "/settings/teams", label: "Teams", permission: "fleet.read" },
  { href: "/settings/roles", label: "Roles", permission: "fleet.read" },
  { href: "/settings/tokens", label: "API tokens", permission: "self.manage" },
  { href: "/settings/sessions", label: "Sessions", permission: "self.manage" },
  { href: "/settings/password", label: "Password", permission: "self.manage" },
  { href: "/settings/audit", label: "Audit log", permission: "audit.read" },
];

/** /settings itself opens the first section this person may use (everyone has Password). */
export function firstSettingsSection(held: { any: (permission: string) => boolean }): string {
  return SETTINGS_SECTIONS.find((s) => held.any(s.permission))?.href ?? "/settings/password";
}
