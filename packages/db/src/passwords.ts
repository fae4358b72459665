// User password hashing, shared by the seed and apps/web's login: argon2id in PHC string form,
// so the parameters travel with each hash and can be raised later without breaking old ones.
import { type Algorithm, hash, verify } from "@node-rs/argon2";

// Algorithm is an ambient const enum, which isolatedModules cannot read: 2 is Argon2id.
const ARGON2ID: Algorithm = 2;

// OWASP's baseline for argon2id: 19 MiB, 2 passes, 1 lane (~20-40 ms per hash here).
const OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** False for a wrong password and for a malformed stored hash (never throws on bad input). */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}
