import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSecret, sealSecret, secretKeyFrom } from "./secret-box.js";
import { findSecretKey } from "./secret-key.js";

const key = secretKeyFrom(randomBytes(32));

describe("sealSecret / openSecret", () => {
  it("round-trips, and the ciphertext does not contain the plaintext", () => {
    const sealed = sealSecret(key, "registry-pass ünïcode");
    expect(sealed.iv).toHaveLength(12);
    expect(sealed.tag).toHaveLength(16);
    expect(sealed.keyId).toBe(key.id);
    expect(Buffer.from(sealed.cipher).toString("utf8")).not.toContain("registry-pass");
    expect(openSecret(key, sealed)).toBe("registry-pass ünïcode");
  });

  it("uses a fresh IV for every value, so equal passwords do not look equal", () => {
    const seals = Array.from({ length: 200 }, () => sealSecret(key, "same"));
    expect(new Set(seals.map((s) => Buffer.from(s.iv).toString("hex"))).size).toBe(200);
    expect(new Set(seals.map((s) => Buffer.from(s.cipher).toString("hex"))).size).toBeGreaterThan(1);
  });

  it("refuses a tampered ciphertext, IV or tag", () => {
    const sealed = sealSecret(key, "registry-pass");
    const flip = (bytes: Uint8Array) => {
      const copy = new Uint8Array(bytes);
      copy[0] = (copy[0] ?? 0) ^ 1;
      return copy;
    };
    expect(() => openSecret(key, { ...sealed, cipher: flip(sealed.cipher) })).toThrow(/could not be decrypted/);
    expect(() => openSecret(key, { ...sealed, iv: flip(sealed.iv) })).toThrow(/could not be decrypted/);
    expect(() => openSecret(key, { ...sealed, tag: flip(sealed.tag) })).toThrow(/could not be decrypted/);
  });

  it("refuses a value sealed with another key, by key id and by the cipher itself", () => {
    const other = secretKeyFrom(randomBytes(32));
    const sealed = sealSecret(key, "registry-pass");
    expect(other.id).not.toBe(key.id);
    expect(() => openSecret(other, sealed)).toThrow(/another server key/);
    // Even with a forged key id, the wrong key fails the GCM tag check.
    expect(() => openSecret(other, { ...sealed, keyId: other.id })).toThrow(/could not be decrypted/);
  });

  it("accepts only 32-byte keys", () => {
    expect(() => secretKeyFrom(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe("findSecretKey", () => {
  it("uses FLOTILLA_SECRET_KEY when set", () => {
    const bytes = randomBytes(32);
    expect(findSecretKey({ secretKey: bytes, nodeEnv: "production" })?.id).toBe(secretKeyFrom(bytes).id);
  });

  it("has no key in production without the variable", () => {
    expect(findSecretKey({ secretKey: null, nodeEnv: "production" })).toBeNull();
  });

  it("outside production, makes a 0600 key file once and reuses it", () => {
    const dir = mkdtempSync(join(tmpdir(), "flt-key-"));
    try {
      const file = join(dir, ".flotilla", "secret.key");
      const first = findSecretKey({ secretKey: null, nodeEnv: "development" }, file);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(Buffer.from(readFileSync(file, "utf8").trim(), "base64")).toHaveLength(32);
      // A new process (a new config object) reads the same key back.
      const again = findSecretKey({ secretKey: null, nodeEnv: "development" }, file);
      expect(again?.id).toBe(first?.id);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
