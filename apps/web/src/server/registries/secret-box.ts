/**
 * Secrets at rest: AES-256-GCM with a random 96-bit IV per value; the auth tag and the id of
 * the key that sealed it are kept beside the ciphertext, so a tampered value or one sealed
 * with another key is refused instead of decrypting to garbage.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { AppError } from "../errors.js";

const ALGORITHM = "aes-256-gcm";
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const SECRET_KEY_BYTES = 32;

export interface SecretKey {
  /** A fingerprint of the key (not the key): which key sealed a value, for rotation. */
  id: string;
  bytes: Buffer;
}

export interface SealedSecret {
  cipher: Uint8Array<ArrayBuffer>;
  iv: Uint8Array<ArrayBuffer>;
  tag: Uint8Array<ArrayBuffer>;
  keyId: string;
}

export function secretKeyFrom(bytes: Buffer): SecretKey {
  if (bytes.length !== SECRET_KEY_BYTES) throw new Error(`a secret key is ${SECRET_KEY_BYTES} bytes`);
  const id = createHash("sha256").update("flotilla-secret-key\0").update(bytes).digest("hex").slice(0, 16);
  return { id, bytes };
}

export function sealSecret(key: SecretKey, plaintext: string): SealedSecret {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key.bytes, iv, { authTagLength: TAG_BYTES });
  const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  // Copies onto plain ArrayBuffers: what Prisma's Bytes fields take.
  return {
    cipher: new Uint8Array(sealed),
    iv: new Uint8Array(iv),
    tag: new Uint8Array(cipher.getAuthTag()),
    keyId: key.id,
  };
}

/** The plaintext, or AppError("internal") when the value was sealed with another key or altered. */
export function openSecret(
  key: SecretKey,
  sealed: { cipher: Uint8Array; iv: Uint8Array; tag: Uint8Array; keyId: string },
): string {
  if (sealed.keyId !== key.id) {
    throw new AppError("internal", "This secret was encrypted with another server key; set it again.", {
      cause: new Error(`sealed with key ${sealed.keyId}, current key is ${key.id}`),
    });
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, key.bytes, sealed.iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.cipher), decipher.final()]).toString("utf8");
  } catch (err) {
    throw new AppError("internal", "A stored secret could not be decrypted (altered, or a different key).", {
      cause: err,
    });
  }
}
