/** Webhook signing secrets at rest: sealed with the server key (signing needs the plaintext back). */
import type { Config } from "../env.js";
import { AppError } from "../errors.js";
import { openSecret, sealSecret } from "../registries/secret-box.js";
import { findSecretKey } from "../registries/secret-key.js";

export interface StoredSecret {
  cipher: string;
  iv: string;
  tag: string;
  keyId: string;
}

function keyOf(config: Pick<Config, "secretKey" | "nodeEnv">) {
  const key = findSecretKey(config);
  if (!key) throw new AppError("invalid", "Webhook secrets need FLOTILLA_SECRET_KEY on the server.");
  return key;
}

export function sealWebhookSecret(config: Pick<Config, "secretKey" | "nodeEnv">, secret: string): StoredSecret {
  const s = sealSecret(keyOf(config), secret);
  const b64 = (u: Uint8Array) => Buffer.from(u).toString("base64");
  return { cipher: b64(s.cipher), iv: b64(s.iv), tag: b64(s.tag), keyId: s.keyId };
}

export function openWebhookSecret(config: Pick<Config, "secretKey" | "nodeEnv">, stored: unknown): string {
  const s = stored as StoredSecret;
  return openSecret(keyOf(config), {
    cipher: Buffer.from(s.cipher, "base64"),
    iv: Buffer.from(s.iv, "base64"),
    tag: Buffer.from(s.tag, "base64"),
    keyId: s.keyId,
  });
}
