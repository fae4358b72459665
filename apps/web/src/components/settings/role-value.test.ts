import { describe, expect, it } from "vitest";
import { parseRoleValue, roleValue } from "./role-value";

describe("team role picker values", () => {
  it("round-trips built-in and custom roles", () => {
    for (const role of ["viewer", "operator", "admin"] as const) {
      expect(parseRoleValue(roleValue(role, null))).toEqual({ role });
    }
    expect(roleValue("viewer", "r1")).toBe("custom:r1");
    expect(parseRoleValue("custom:r1")).toEqual({ customRoleId: "r1" });
  });

  it("never passes on a role the server does not know, nor the owner's", () => {
    expect(parseRoleValue("owner")).toEqual({});
    expect(parseRoleValue("")).toEqual({});
    expect(roleValue(null, null)).toBe("viewer");
  });
});
