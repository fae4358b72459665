import { describe, expect, it } from "vitest";
import { readCookie, SESSION_COOKIE, serializeSessionCookie } from "./cookies.js";
import { digestsEqual, generateToken, hashToken } from "./tokens.js";

describe("tokens", () => {
  it("are 32 random bytes in base64url", () => {
    const token = generateToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    expect(generateToken()).not.toBe(token);
  });

  it("are stored as their hex sha256, never as themselves", () => {
    // sha256("abc"), a published test vector.
    expect(hashToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const token = generateToken();
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(token)).not.toContain(token);
  });

  it("compare digests in constant time, and only equal ones match", () => {
    const a = hashToken("a");
    expect(digestsEqual(a, hashToken("a"))).toBe(true);
    expect(digestsEqual(a, hashToken("b"))).toBe(false);
    expect(digestsEqual(a, a.slice(1))).toBe(false);
  });
});

describe("session cookie", () => {
  it("is httpOnly, SameSite=Lax, on /, Secure only over https", () => {
    const plain = serializeSessionCookie("tok", { secure: false, maxAgeSeconds: 60 });
    expect(plain).toBe(`${SESSION_COOKIE}=tok; Path=/; HttpOnly; SameSite=Lax; Max-Age=60`);
    expect(serializeSessionCookie("tok", { secure: true, maxAgeSeconds: 60 })).toMatch(/; Secure$/);
  });

  it("is deleted with Max-Age=0", () => {
    expect(serializeSessionCookie("", { secure: false, maxAgeSeconds: 0 })).toMatch(
      /Max-Age=0; Expires=Thu, 01 Jan 1970/,
    );
  });

  it("is found among other cookies", () => {
    expect(readCookie(`a=1; ${SESSION_COOKIE}=abc-_; b=2`, SESSION_COOKIE)).toBe("abc-_");
    expect(readCookie("a=1", SESSION_COOKIE)).toBeNull();
    expect(readCookie(undefined, SESSION_COOKIE)).toBeNull();
  });
});
