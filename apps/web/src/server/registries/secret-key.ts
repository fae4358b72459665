/**
 * The server key that seals stored secrets. FLOTILLA_SECRET_KEY when set (config.secretKey);
 * otherwise, outside production only, a random key in `.flotilla/secret.key` (0600), made on
 * first use so `pnpm dev` works without setup and keeps working across restarts. In
 * production without the variable there is no key: storing or using secrets is refused.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Config } from "../env.js";
import { AppError } from "../errors.js";
import { SECRET_KEY_BYTES, type SecretKey, secretKeyFrom } from "./secret-box.js";

export const DEV_KEY_FILE = ".flotilla/secret.key";

const loaded = new WeakMap<Config, SecretKey | null>();

/** The key for this configuration, or null when production runs without FLOTILLA_SECRET_KEY. */
export function findSecretKey(config: Pick<Config, "secretKey" | "nodeEnv">, keyFile = DEV_KEY_FILE): SecretKey | null {
  const known = loaded.get(config as Config);
  if (known !== undefined) return known;
  let key: SecretKey | null = null;
  if (config.secretKey) key = secretKeyFrom(config.secretKey);
  else if (config.nodeEnv !== "production") key = secretKeyFrom(readOrCreateKeyFile(resolve(keyFile)));
  loaded.set(config as Config, key);
  return key;
}

export function requireSecretKey(config: Pick<Config, "secretKey" | "nodeEnv">): SecretKey {
  const key = findSecretKey(config);
  if (!key) {
    throw new AppError("invalid", "Storing registry credentials needs FLOTILLA_SECRET_KEY on the server.");
  }
  return key;
}

function readOrCreateKeyFile(path: string): Buffer {
  try {
    return decodeKey(readFileSync(path, "utf8"), path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const bytes = randomBytes(SECRET_KEY_BYTES);
  try {
    // "wx": if another process made it meanwhile, read theirs instead of overwriting it.
    writeFileSync(path, `${bytes.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
    return bytes;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return decodeKey(readFileSync(path, "utf8"), path);
  }
}

function decodeKey(text: string, path: string): Buffer {
  const bytes = Buffer.from(text.trim(), "base64");
  if (bytes.length !== SECRET_KEY_BYTES) throw new Error(`${path} does not hold a base64 ${SECRET_KEY_BYTES}-byte key`);
  return bytes;
}
