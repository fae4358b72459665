/**
 * A real image registry for pull tests: Debian's `docker-registry` (the CNCF distribution
 * registry) on 127.0.0.1 and a free port, with its own config and a temporary storage
 * directory, optionally behind basic auth. Needs Debian's docker-registry package.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./postgres.js";
import { waitFor } from "./wait-for.js";

const REGISTRY_BIN = "/usr/bin/docker-registry";

/** A user the registry accepts when started with `auth: true`. */
export const REGISTRY_USER = { username: "flotilla", password: "registry-pass" } as const;
// bcrypt (cost 4, the registry accepts only bcrypt) of REGISTRY_USER.password: fixed, so no
// htpasswd tool is needed.
const REGISTRY_USER_HASH = "$2a$04$Xfu65XzCt3shK3aV4Z5VQesSJptSLRxrx12CN6wDwyNIR5BZXbqEq";

export interface Registry {
  /** host:port, the registry part of an image reference. */
  address: string;
  output(): string;
  stop(): Promise<void>;
}

export function registryUnavailable(): string | undefined {
  return existsSync(REGISTRY_BIN) ? undefined : `missing ${REGISTRY_BIN} (Debian: docker-registry)`;
}

export async function startRegistry(options: { auth?: boolean } = {}): Promise<Registry> {
  const why = registryUnavailable();
  if (why) throw new Error(`cannot start a registry: ${why}`);
  const dir = mkdtempSync(join(tmpdir(), "flt-registry-"));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const auth = options.auth ? `auth:\n  htpasswd:\n    realm: flotilla-test\n    path: ${join(dir, "htpasswd")}\n` : "";
  if (options.auth) writeFileSync(join(dir, "htpasswd"), `${REGISTRY_USER.username}:${REGISTRY_USER_HASH}\n`);
  writeFileSync(
    join(dir, "config.yml"),
    `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, "storage")}
  delete:
    enabled: true
http:
  addr: ${address}
${auth}`,
  );
  const child: ChildProcess = spawn(REGISTRY_BIN, ["serve", join(dir, "config.yml")], { stdio: "pipe" });
  let out = "";
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}:\n${out}`);
        // 200, or 401 behind auth: either way it answers the v2 API.
        const res = await fetch(`http://${address}/v2/`).catch(() => undefined);
        return res !== undefined && (res.status === 200 || res.status === 401);
      },
      30_000,
      () => out,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, output: () => out, stop };
}
