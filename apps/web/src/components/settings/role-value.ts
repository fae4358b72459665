/** A team role picker's value: a built-in team role, or "custom:<id>" for a custom role. */

export const TEAM_ROLE_OPTIONS = ["viewer", "operator", "admin"] as const;
export type TeamRoleOption = (typeof TEAM_ROLE_OPTIONS)[number];

/** "viewer" | "operator" | "admin" | "custom:<id>" -> what members.setRole takes. */
export function parseRoleValue(value: string): { role?: TeamRoleOption; customRoleId?: string } {
  if (value.startsWith("custom:")) return { customRoleId: value.slice("custom:".length) };
  const role = TEAM_ROLE_OPTIONS.find((r) => r === value);
  // Anything else gives neither, which the server refuses with a message ("Give a role...").
  return role ? { role } : {};
}

export function roleValue(role: string | null, customRoleId: string | null): string {
  return customRoleId ? `custom:${customRoleId}` : (role ?? "viewer");
}
