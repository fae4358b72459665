/**
 * Secrets we hand out (session cookies, agent secrets, enrolment tokens) are 32 random
 * bytes in base64url; we store only their sha256. A 256-bit random value needs no slow hash.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const TOKEN_BYTES = 32;

export function generateToken(bytes = TOKEN_BYTES): string {
  return randomBytes(bytes).toString("base64url");
}

/** Hex sha256 of a token: what the database keeps. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Constant-time comparison of two hex digests (or any two strings of equal length). */
export function digestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  return left.length === right.length && timingSafeEqual(left, right);
}
