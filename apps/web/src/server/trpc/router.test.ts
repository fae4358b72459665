import { describe, expect, it } from "vitest";
import { isKnownPermission, isPublicPermission, ROLE_PERMISSIONS, ROLES } from "../access/permissions.js";
import { appRouter } from "./router.js";

type AnyProcedureDef = { _def: { type: string; meta?: { permission?: string } } };

const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedureDef>);

describe("every tRPC procedure declares a permission", () => {
  it("has procedures to check", () => {
    expect(procedures.length).toBeGreaterThan(5);
  });

  it.each(procedures)("%s", (path, procedure) => {
    const name = procedure._def.meta?.permission;
    expect(name, `${path} declares no permission: build it with permission(name)`).toBeTypeOf("string");
    expect(isKnownPermission(name as string), `${path}: unknown permission ${name}`).toBe(true);
  });

  it("grants every role permission to at least the owner", () => {
    for (const role of ROLES) {
      for (const permission of ROLE_PERMISSIONS[role]) expect(ROLE_PERMISSIONS.owner).toContain(permission);
    }
  });

  it("keeps public procedures to signing in and out, and accepting an invitation", () => {
    const publicPaths = procedures
      .filter(([, p]) => isPublicPermission(p._def.meta?.permission ?? ""))
      .map(([path]) => path);
    expect(publicPaths.sort()).toEqual([
      "auth.me",
      "auth.signIn",
      "auth.signOut",
      "invitations.accept",
      "invitations.preview",
    ]);
  });

  it("lets viewers read the fleet but not enrol hosts", () => {
    expect(ROLE_PERMISSIONS.viewer).toContain("fleet.read");
    expect(ROLE_PERMISSIONS.viewer).not.toContain("hosts.enroll");
    expect(ROLE_PERMISSIONS.admin).toContain("hosts.enroll");
  });
});
