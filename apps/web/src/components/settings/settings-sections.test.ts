import { describe, expect, it } from "vitest";
import { firstSettingsSection, SETTINGS_SECTIONS } from "./settings-sections";

const holding = (...held: string[]) => ({ any: (p: string) => p === "self.manage" || held.includes(p) });

describe("settings sections", () => {
  it("opens on the first section the person may use", () => {
    expect(firstSettingsSection(holding("fleet.read", "members.manage", "audit.read"))).toBe("/settings/members");
    expect(firstSettingsSection(holding("fleet.read"))).toBe("/settings/teams");
    // An API token's narrow scope, or no team at all: their own things still open.
    expect(firstSettingsSection(holding())).toBe("/settings/tokens");
  });

  it("asks for a permission per section, the audit log only for audit.read", () => {
    expect(SETTINGS_SECTIONS.find((s) => s.href === "/settings/audit")?.permission).toBe("audit.read");
    expect(new Set(SETTINGS_SECTIONS.map((s) => s.href)).size).toBe(SETTINGS_SECTIONS.length);
  });
});
